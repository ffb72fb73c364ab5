from safety.services.consent import decide_consent

CONTACTS = [
    {"name": "张妈妈", "relation": "母亲", "mobile": "13900000011"},
    {"name": "张爷爷", "relation": "祖父", "mobile": "13900000012"},
]


def consent(parent, child, **decisions):
    decisions = decisions or {"service": True, "medical": True, "photos": True}
    return decide_consent(actor=parent, student=child, decisions=decisions)


def png_upload(name="p.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
