"""Celery tasks of scheduling: thin (ids in, one service call). Dispatched to the
``scheduling`` queue (``apply_async(queue=QUEUE)``): a semester's generation for a whole
district never holds up inbox messages or the rush's offers."""

from celery import shared_task

from aftercare.models import District, Semester, User
from scheduling.services.sessions import generate_district_sessions as generate

QUEUE = "scheduling"


@shared_task(name="scheduling.generate_district_sessions")
def generate_district_sessions(district_id: int, semester_id: int, actor_id: int | None = None):
    """Generate the semester's sessions of every school of the district (idempotent: a retry
    or a second run changes nothing)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    result = generate(
        actor=actor,
        district=District.objects.get(pk=district_id),
        semester=Semester.objects.get(pk=semester_id, district_id=district_id),
    )
    return result.as_dict()
