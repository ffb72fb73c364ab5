"""factory_boy factories with Chinese data (Faker zh_CN)."""

import factory
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
