import factory
from django.contrib.auth.models import Group

from accounts.models import Department, User
from accounts.roles import Role


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; ``role`` names one of accounts.roles.Role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    department = factory.SubFactory(DepartmentFactory, code="cs", name="客户服务部")
    password = factory.django.Password("kefu-test-pass")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            roles = extracted if isinstance(extracted, list | tuple) else [extracted]
            self.groups.set(
                Group.objects.filter(name__in=[Role(r).value for r in roles])
            )
