"""factory_boy factories with Chinese data (Faker zh_CN)."""

from datetime import time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from aftercare.models import District, Membership, Role, School, SchoolClass, Semester, User
from enrollment.models import Gender, Guardianship, Relation, Student

factory.Faker._DEFAULT_LOCALE = "zh_CN"
PASSWORD = "correct-horse-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ParentUserFactory(UserFactory):
    username = None
    mobile = factory.Sequence(lambda n: f"138{n:08d}")


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"district{n}")
    name = factory.Sequence(lambda n: f"第{n}区教育局")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"school{n}")
    name = factory.Sequence(lambda n: f"第{n}小学")


class SchoolClassFactory(DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    district = factory.SelfAttribute("school.district")
    grade = 1
    number = factory.Sequence(lambda n: n + 1)


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = Student

    school_class = factory.SubFactory(SchoolClassFactory)
    school = factory.SelfAttribute("school_class.school")
    district = factory.SelfAttribute("school_class.district")
    student_number = factory.Sequence(lambda n: f"G{n:010d}")
    name = factory.Faker("name")
    gender = Gender.FEMALE


class GuardianshipFactory(DjangoModelFactory):
    class Meta:
        model = Guardianship

    student = factory.SubFactory(StudentFactory)
    school = factory.SelfAttribute("student.school")
    district = factory.SelfAttribute("student.district")
    user = factory.SubFactory(ParentUserFactory)
    relation = Relation.MOTHER


class SemesterFactory(DjangoModelFactory):
    class Meta:
        model = Semester

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"2026学年第{n}学期")
    start_date = factory.Faker("date_object")
    end_date = factory.LazyAttribute(lambda o: o.start_date.replace(year=o.start_date.year + 1))


def member(user, role, *, district=None, school=None):
    district = district or school.district
    Membership.objects.get_or_create(
        user=user,
        role=role,
        district=district,
        school=None if role == Role.DISTRICT_OFFICIAL else school,
    )
    return user


# --------------------------------------------------------------------------- plans, applications,
# course registrations (built directly, not through the long service chains; a published
# version still gets what publication gives it: seat counters, lottery commitments)


class DistrictPolicyFactory(DjangoModelFactory):
    """A semester's policy, from a preset (``preset="one_plus_x"`` by default)."""

    class Meta:
        model = "plans.DistrictPolicy"

    semester = factory.SubFactory(SemesterFactory)
    district = factory.SelfAttribute("semester.district")
    version = 1
    preset = "one_plus_x"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from plans.models import PolicySeason
        from plans.presets import preset_fields

        values, seasons = preset_fields(kwargs["preset"])
        policy = model_class.objects.create(**{**values, **kwargs})
        for season in seasons:
            PolicySeason.objects.create(district=policy.district, policy=policy, **season)
        return policy


class SchoolPlanFactory(DjangoModelFactory):
    class Meta:
        model = "plans.SchoolPlan"

    school = factory.SubFactory(SchoolFactory)
    district = factory.SelfAttribute("school.district")
    semester = factory.SubFactory(SemesterFactory, district=factory.SelfAttribute("..district"))


class PlanVersionFactory(DjangoModelFactory):
    """A draft version with the general part filled in."""

    class Meta:
        model = "plans.PlanVersion"
        skip_postgeneration_save = True

    plan = factory.SubFactory(SchoolPlanFactory)
    district = factory.SelfAttribute("plan.district")
    school = factory.SelfAttribute("plan.school")
    number = 1
    fee_notice = "拓展课程每课时20元"
    hotline = "12345"
    safety_plan = "安全预案"
    leadership_group = "组长：校长"
    prohibitions_confirmed = True
    max_courses_per_student = 2


HOUR = timedelta(hours=1)


class _PartFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    version = factory.SubFactory(PlanVersionFactory)
    district = factory.SelfAttribute("version.district")
    school = factory.SelfAttribute("version.school")


class ServicePeriodFactory(_PartFactory):
    class Meta:
        model = "plans.ServicePeriod"

    grades = factory.LazyFunction(lambda: [1, 2, 3, 4, 5, 6])
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])
    start_time = time(15, 30)
    end_time = time(17, 30)


class CourseFactory(_PartFactory):
    class Meta:
        model = "plans.Course"

    name = factory.Sequence(lambda n: f"拓展课{n}")
    grades = factory.LazyFunction(lambda: [1, 2, 3, 4, 5, 6])
    weekdays = factory.LazyFunction(lambda: [1, 3])
    start_time = time(16, 40)
    end_time = time(17, 20)
    capacity = 10
    min_size = 1
    fee_per_lesson = Decimal("20.00")


class RegistrationWindowFactory(_PartFactory):
    """An extended-course window, first come first served, open from an hour ago for a day."""

    class Meta:
        model = "plans.RegistrationWindow"

    kind = "extended"
    round = 1
    mode = "fcfs"
    opens_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) - HOUR)
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + 24 * HOUR)


class PublishedPlanFactory(PlanVersionFactory):
    """A published plan version with one basic-care period, courses and windows::

        version = PublishedPlanFactory(
            plan__school=school, plan__semester=semester,
            courses=[("书法", 10, 3), ("围棋", 20, 1)],      # (name, capacity, min_size)
            windows=[{"mode": "lottery"}, {"round": 2, "opens_at": ..., "closes_at": ...}],
        )
        version.plan, version.courses.all(), version.windows.all()

    ``courses`` defaults to one course, ``windows`` to one open extended window (keyword
    dicts for ``RegistrationWindowFactory``). Parts are added while the version is a draft,
    then it is approved and published and the publication hooks run (seat counters, lottery
    commitments), as ``publish_plan`` does; ``publish=False`` leaves it approved.
    """

    @factory.post_generation
    def periods(obj, create, extracted, **kwargs):
        for data in extracted if extracted is not None else [{}]:
            ServicePeriodFactory(version=obj, **data)

    @factory.post_generation
    def courses(obj, create, extracted, **kwargs):
        for item in extracted if extracted is not None else [("书法", 10, 1)]:
            if isinstance(item, dict):
                CourseFactory(version=obj, **item)
            else:
                name, capacity, min_size = item
                CourseFactory(version=obj, name=name, capacity=capacity, min_size=min_size)

    @factory.post_generation
    def windows(obj, create, extracted, **kwargs):
        for data in extracted if extracted is not None else [{}]:
            RegistrationWindowFactory(version=obj, **data)

    @factory.post_generation
    def publish(obj, create, extracted, **kwargs):
        from plans.models import PlanVersion
        from plans.services.plans import PUBLISH_HOOKS

        now = timezone.now()
        PlanVersion.objects.filter(pk=obj.pk).update(status="approved", decided_at=now)
        if extracted is False:  # publish=False: approved, for a test to publish itself
            obj.refresh_from_db()
            return
        PlanVersion.objects.filter(pk=obj.pk).update(status="published", published_at=now)
        obj.refresh_from_db()
        for hook in PUBLISH_HOOKS:
            hook(actor=None, previous=None, published=obj)


def guardian_of(student):
    """The student's first guardian, or a new parent bound as the mother."""
    link = student.guardianships.select_related("user").order_by("pk").first()
    if link is not None:
        return link.user
    return GuardianshipFactory(student=student).user


class ApplicationFactory(DjangoModelFactory):
    """An application, by default ``applied`` by the student's guardian for ``plan``'s semester.

    ``ApplicationFactory(approved=True)`` is one the school approved. The history rows its
    status implies are written as the services would write them."""

    class Meta:
        model = "enrollment.Application"
        skip_postgeneration_save = True

    student = factory.SubFactory(StudentFactory)
    district = factory.SelfAttribute("student.district")
    school = factory.SelfAttribute("student.school")
    plan = factory.SubFactory(SchoolPlanFactory, school=factory.SelfAttribute("..student.school"))
    semester = factory.SelfAttribute("plan.semester")
    applied_by = factory.LazyAttribute(lambda o: guardian_of(o.student))
    applied_at = factory.LazyFunction(timezone.now)
    basic_care = True

    class Params:
        approved = factory.Trait(
            status="approved",
            approved_at=factory.LazyFunction(timezone.now),
            approved_by=factory.SubFactory(UserFactory),
        )

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        from enrollment.services.history import backfill_history

        if create:
            backfill_history([obj.pk])


class CourseRegistrationFactory(DjangoModelFactory):
    """A student's entry in a course (confirmed by default) with the counters it implies:
    the course's seats taken and the application's course count."""

    class Meta:
        model = "enrollment.CourseRegistration"

    course = factory.SubFactory(CourseFactory)
    application = factory.SubFactory(ApplicationFactory)
    student = factory.SelfAttribute("application.student")
    district = factory.SelfAttribute("application.district")
    school = factory.SelfAttribute("application.school")
    created_by = factory.SelfAttribute("application.applied_by")
    status = "confirmed"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db.models import F

        from enrollment.models import HOLDING_SEATS, LIVE_SEATS, Application, CourseCapacity
        from enrollment.services.registration import ensure_capacities

        registration = super()._create(model_class, *args, **kwargs)
        ensure_capacities(registration.course.version_id)
        if registration.status in HOLDING_SEATS:
            CourseCapacity.objects.filter(course_id=registration.course_id).update(
                taken=F("taken") + 1
            )
        if registration.status in LIVE_SEATS:
            Application.objects.filter(pk=registration.application_id).update(
                courses_taken=F("courses_taken") + 1
            )
        return registration
