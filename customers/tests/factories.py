import random

import factory

from customers.credit_code import credit_code_generate
from customers.models import Contact, Customer, CustomerEvent
from customers.search import customer_index, name_sort_key

_rng = random.Random(5)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer written straight to the table and indexed (tests that exercise
    the rules go through customers.services instead)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    kind = Customer.Kind.ORGANISATION
    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    name_sort = factory.LazyAttribute(lambda c: name_sort_key(c.name))
    credit_code = factory.LazyFunction(lambda: credit_code_generate(_rng))
    ownership = Customer.Ownership.PRIVATE
    province = "上海市"
    city = "上海市"
    tier = Customer.Tier.C

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        if create:
            customer_index.refresh([self])


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: f"100{n:08d}")

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        if create:
            customer_index.refresh([self.customer])


class CustomerEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerEvent

    customer = factory.SubFactory(CustomerFactory)
    occurred_on = factory.Faker("date_between", start_date="-3y", end_date="today")
    title = factory.Sequence(lambda n: f"重要事项{n}")
    kind = CustomerEvent.Kind.OTHER
