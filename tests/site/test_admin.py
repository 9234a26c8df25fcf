"""The admin of the shared vocabulary, and what every staff group may reach."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helsingborg_innovation import roles
from helsingborg_innovation.models import ContactPerson, Department, GlobalGoal, Partner
from initiatives.models import ImpactGoal, PhaseChange
from methods.models import Attachment


@pytest.fixture
def superuser_client(make_staff):
    client = Client()
    client.force_login(make_staff(superuser=True))
    return client


def test_every_model_is_reachable_in_the_admin():
    registered = set(admin.site._registry)
    inline_models = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    for model in [Department, ContactPerson, Partner, GlobalGoal]:
        assert model in registered
    for model in [ImpactGoal, PhaseChange, Attachment]:
        assert model in inline_models


@pytest.mark.parametrize(
    "model",
    [
        "site_department",
        "site_contactperson",
        "site_partner",
        "challenges_challenge",
        "initiatives_initiative",
        "methods_method",
    ],
)
def test_editors_open_every_changelist_and_add_form(editor_client, model, make_initiative, goal):
    make_initiative(goals=[goal])
    assert editor_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert editor_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_editors_add_a_department_a_partner_and_a_contact(editor_client):
    response = editor_client.post(
        reverse("admin:site_department_add"),
        {"name": "Kulturförvaltningen", "slug": "kulturforvaltningen", "kind": "department"},
    )
    assert response.status_code == 302
    department = Department.objects.get(slug="kulturforvaltningen")
    response = editor_client.post(
        reverse("admin:site_contactperson_add"),
        {"name": "Lisa Olsson", "role": "Innovationsstrateg", "department": department.pk},
    )
    assert response.status_code == 302
    assert ContactPerson.objects.get().department == department
    response = editor_client.post(
        reverse("admin:site_partner_add"), {"name": "Lunds universitet", "kind": "academia"}
    )
    assert response.status_code == 302
    assert Partner.objects.get().kind == Partner.Kind.ACADEMIA


def test_the_global_goals_are_read_only(editor_client, superuser_client):
    goal = GlobalGoal.objects.get(number=11)
    url = reverse("admin:site_globalgoal_change", args=[goal.pk])
    for client in (editor_client, superuser_client):
        assert client.get(reverse("admin:site_globalgoal_changelist")).status_code == 200
        assert client.get(url).status_code == 200
        assert client.post(url, {"name_sv": "Ändrat", "name_en": "Changed"}).status_code == 403
        assert client.get(reverse("admin:site_globalgoal_add")).status_code == 403
        delete = reverse("admin:site_globalgoal_delete", args=[goal.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    goal.refresh_from_db()
    assert goal.name_en != "Changed"
    assert GlobalGoal.objects.count() == 17


def test_editors_pick_goals_departments_and_methods_by_autocomplete(
    editor_client, make_department, make_method
):
    make_department(name="Miljöförvaltningen")
    make_method(title="Tjänstedesign")

    def results(model_name: str, field: str, term: str) -> list[str]:
        response = editor_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "initiatives", "model_name": model_name, "field_name": field,
             "term": term},
        )  # fmt: skip
        assert response.status_code == 200
        return [row["text"] for row in response.json()["results"]]

    assert results("initiative", "departments", "miljö") == ["Miljöförvaltningen"]
    assert results("initiative", "methods", "tjänste") == ["Tjänstedesign"]
    assert any("Hållbara städer" in text for text in results("initiative", "goals", "städer"))


def test_department_changelist_counts_without_a_query_per_row(
    editor_client, make_department, make_challenge, make_initiative
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(reverse("admin:site_department_changelist")).status_code == 200
        return len(queries)

    def department_with_content():
        department = make_department()
        make_challenge(owner_department=department)
        make_challenge(owner_department=department)
        make_initiative(owner_department=department)
        return department

    department_with_content()
    few = count()
    for _ in range(15):
        department_with_content()
    assert count() == few
    page = editor_client.get(reverse("admin:site_department_changelist")).text
    assert '<td class="field-challenge_count">2</td>' in page
    assert '<td class="field-initiative_count">1</td>' in page


def test_moderators_cannot_edit_the_shared_vocabulary(client, moderator, make_department):
    department = make_department()
    client.force_login(moderator)
    assert client.get(reverse("admin:site_department_add")).status_code == 403
    url = reverse("admin:site_department_change", args=[department.pk])
    assert client.post(url, {"name": "Ändrad", "slug": "andrad"}).status_code == 403
    department.refresh_from_db()
    assert department.name != "Ändrad"


@pytest.mark.parametrize(
    "model",
    [
        "methods_method",
        "site_department",
        "site_partner",
        "site_contactperson",
        "site_globalgoal",
        "challenges_challenge",
        "initiatives_initiative",
    ],
)
def test_moderators_read_but_do_not_add_content_and_the_shared_vocabulary(client, moderator, model):
    """As the README says: moderators may read the content and the shared vocabulary."""
    client.force_login(moderator)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_moderators_read_an_initiatives_timeline_and_the_method_it_used(
    client, moderator, make_method, make_initiative
):
    method = make_method(title="Tjänstedesign")
    initiative = make_initiative(methods=[method])
    initiative.timeline.create(date="2025-03-01", phase=initiative.phase, note="Piloten startade.")
    client.force_login(moderator)
    page = client.get(reverse("admin:initiatives_initiative_change", args=[initiative.pk])).text
    assert "Piloten startade." in page
    url = reverse("admin:methods_method_change", args=[method.pk])
    assert "Tjänstedesign" in client.get(url).text
    assert client.post(url, {"title": "Ändrad"}).status_code == 403
    method.refresh_from_db()
    assert method.title == "Tjänstedesign"


def test_the_migration_lets_existing_moderators_read_methods_and_the_vocabulary(moderator):
    """A database whose moderators could read only challenges and initiatives."""
    group = Group.objects.get(name=roles.MODERATORS)
    group.permissions.remove(
        *Permission.objects.filter(codename__in=["view_method", "view_partner"])
    )
    assert not moderator.has_perm("methods.view_method")
    name = ("site", "0005_moderators_read_all_content")
    loader = MigrationLoader(connection)
    migration = loader.get_migration(*name)
    migration.operations[0].code(loader.project_state(name).apps, None)
    moderator = type(moderator).objects.get(pk=moderator.pk)  # no cached permissions
    assert moderator.has_perm("methods.view_method")
    assert moderator.has_perm("site.view_partner")
    assert not moderator.has_perm("methods.change_method")
