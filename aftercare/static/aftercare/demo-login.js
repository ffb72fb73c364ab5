// Demo mode only (the login page lists the demo logins then): tapping a login fills the form.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".demo-fill");
  if (!button) return;
  const form = document.querySelector("form[method=post]");
  form.querySelector("input[name=username]").value = button.dataset.login;
  form.querySelector("input[name=password]").value = button.dataset.password;
  form.querySelector("button[type=submit]").focus();
});
