"""PostgreSQL keeps on each initiative whether other departments and external partners take part
in it (initiatives/reach.py), whatever writes the relations or the initiative: the flags always
say what asking the relations says."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef

from helsingborg_innovation.models import Department, Partner
from initiatives.models import Initiative

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only")]

DEPARTMENTS = Initiative.departments.through
PARTNERS = Initiative.partners.through


def kept() -> dict[int, tuple[bool, bool]]:
    return {
        pk: (others, partners)
        for pk, others, partners in Initiative.objects.values_list(
            "pk", "has_other_departments", "has_partners"
        )
    }


def asked() -> dict[int, tuple[bool, bool]]:
    """The flags as the relations' tables give them."""
    others = DEPARTMENTS.objects.filter(initiative=OuterRef("pk")).exclude(
        department=OuterRef("owner_department")
    )
    partners = PARTNERS.objects.filter(initiative=OuterRef("pk"))
    rows = Initiative.objects.annotate(others_asked=Exists(others), partners_asked=Exists(partners))
    return {pk: (o, p) for pk, o, p in rows.values_list("pk", "others_asked", "partners_asked")}


def test_the_relations_written_through_the_orm_set_the_flags(
    make_initiative, make_department, make_partner
):
    owner, other, third = make_department(), make_department(), make_department()
    partner = make_partner()
    alone = make_initiative(owner_department=owner)
    with_owner_only = make_initiative(owner_department=owner, departments=[owner])
    shared = make_initiative(owner_department=owner, departments=[owner, other])
    partnered = make_initiative(owner_department=owner, partners=[partner])
    assert kept() == asked()
    assert kept()[alone.pk] == (False, False)
    assert kept()[with_owner_only.pk] == (False, False)
    assert kept()[shared.pk] == (True, False)
    assert kept()[partnered.pk] == (False, True)

    shared.departments.remove(other)
    partnered.partners.clear()
    alone.departments.add(third)
    alone.partners.set([partner])
    with_owner_only.departments.set([third])
    assert kept() == asked()
    assert kept()[shared.pk] == (False, False)
    assert kept()[partnered.pk] == (False, False)
    assert kept()[alone.pk] == (True, True)
    assert kept()[with_owner_only.pk] == (True, False)


def test_a_change_of_owner_works_the_flags_out_again(make_initiative, make_department):
    owner, other = make_department(), make_department()
    initiative = make_initiative(owner_department=owner, departments=[other])
    assert kept()[initiative.pk] == (True, False)
    # The one department taking part becomes the owner: no other takes part.
    Initiative.objects.filter(pk=initiative.pk).update(owner_department=other)
    assert kept()[initiative.pk] == (False, False)
    initiative.refresh_from_db()
    initiative.owner_department = owner
    initiative.save()
    assert kept()[initiative.pk] == (True, False)


def test_a_save_of_an_instance_read_before_a_change_writes_no_stale_flag(
    make_initiative, make_department, make_partner
):
    initiative = make_initiative()
    stale = Initiative.objects.get(pk=initiative.pk)
    assert (stale.has_other_departments, stale.has_partners) == (False, False)
    initiative.departments.add(make_department())
    initiative.partners.add(make_partner())
    stale.title = "Nytt namn"
    stale.save()  # writes every column, the flags as it read them
    assert kept()[initiative.pk] == (True, True)
    # Nor can anyone set them to something the relations do not say.
    Initiative.objects.filter(pk=initiative.pk).update(
        has_other_departments=False, has_partners=False
    )
    assert kept()[initiative.pk] == (True, True)


def test_bulk_writes_deletions_and_raw_sql_keep_the_flags(
    make_initiative, make_department, make_partner
):
    departments = [make_department() for _ in range(3)]
    partners = [make_partner() for _ in range(2)]
    initiatives = [make_initiative(owner_department=departments[0]) for _ in range(4)]
    DEPARTMENTS.objects.bulk_create(
        DEPARTMENTS(initiative=initiative, department=department)
        for initiative in initiatives[:3]
        for department in departments
    )
    PARTNERS.objects.bulk_create(
        PARTNERS(initiative=initiative, partner=partner)
        for initiative in initiatives[1:]
        for partner in partners
    )
    assert kept() == asked()
    assert sum(others for others, _ in kept().values()) == 3

    # Deleting departments and partners deletes their rows in the relations.
    Department.objects.filter(pk__in=[d.pk for d in departments[1:]]).delete()
    Partner.objects.filter(pk=partners[0].pk).delete()
    assert kept() == asked()
    assert not any(others for others, _ in kept().values())
    assert sum(partnered for _, partnered in kept().values()) == 3

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PARTNERS._meta.db_table} WHERE initiative_id = %s", [
            initiatives[1].pk
        ])  # fmt: skip
        cursor.execute(
            f"UPDATE {PARTNERS._meta.db_table} SET initiative_id = %s WHERE initiative_id = %s",
            [initiatives[1].pk, initiatives[2].pk],
        )
    assert kept() == asked()
    assert kept()[initiatives[1].pk] == (False, True)
    assert kept()[initiatives[2].pk] == (False, False)

    Initiative.objects.filter(pk=initiatives[3].pk).delete()
    assert kept() == asked()


def test_installing_works_out_every_flag_afresh(make_initiative, make_department, make_partner):
    from initiatives import reach

    initiative = make_initiative(departments=[make_department()], partners=[make_partner()])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks pending for the ALTER
        cursor.execute(f"ALTER TABLE {reach.INITIATIVES} DISABLE TRIGGER initiatives_reach")
        cursor.execute(
            f"UPDATE {reach.INITIATIVES} SET has_other_departments = false, has_partners = false"
        )
        cursor.execute(f"ALTER TABLE {reach.INITIATIVES} ENABLE TRIGGER initiatives_reach")
    assert kept()[initiative.pk] == (False, False)
    reach.install()
    assert kept() == asked()
    assert kept()[initiative.pk] == (True, True)
