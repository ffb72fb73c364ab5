"""An answer, once given, is never changed: the database refuses UPDATE of answer sheets and
answers (``feedback.models.evaluations``)."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER feedback_evaluationresponse_append_only
    BEFORE UPDATE ON feedback_evaluationresponse
    FOR EACH ROW EXECUTE FUNCTION feedback_append_only();
CREATE TRIGGER feedback_evaluationanswer_append_only
    BEFORE UPDATE ON feedback_evaluationanswer
    FOR EACH ROW EXECUTE FUNCTION feedback_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS feedback_evaluationresponse_append_only ON feedback_evaluationresponse;
DROP TRIGGER IF EXISTS feedback_evaluationanswer_append_only ON feedback_evaluationanswer;
"""


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_evaluations")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
