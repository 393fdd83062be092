"""HSDS 3.0 JSON export and import: round trip, bad records, organisation mapping."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from heatwatch.accounts.models import Organisation, OrganisationType
from heatwatch.audit.models import Action, AuditEntry
from heatwatch.directory import hsds, services
from heatwatch.directory.models import Category, Gender, Service
from heatwatch.directory.tests.conftest import make_service

pytestmark = pytest.mark.django_db

FULL = dict(
    name="Emergency shelter",
    category=Category.SHELTER,
    description="Beds and meals.\nSecond line.",
    min_age=12,
    max_age=17,
    gender=Gender.FEMALE,
    eligibility_description="Referral by a partner.",
    languages=["en", "es", "ase"],
    service_areas=["Eastgate", "Pier Road"],
    hours="Intake 9–5",
    open_24_7=True,
    intake_phone="(555) 010-0201",
    intake_email="intake@shelter.example",
    intake_url="https://shelter.example/intake",
    application_process="Call first.",
    referral_contact="Duty coordinator (555) 010-0202",
    staff_notes="Transport available.",
    address_1="23 Cedar Lane",
    city="Bayview",
    state_province="CA",
    postal_code="90001",
    address_confidential=True,
    is_public=True,
)


def snapshot() -> list[tuple]:
    rows = []
    for s in Service.objects.select_related("organisation").order_by("hsds_id"):
        rows.append(
            (
                str(s.hsds_id),
                s.organisation.name,
                s.is_active,
                services.service_input_from(s),
                services.capacity_input_from(s),
            )
        )
    return rows


def export_to(tmp_path, *args) -> dict:
    out = tmp_path / "directory.json"
    call_command("directory", "export", "--format", "hsds", str(out), *args, stdout=None)
    return json.loads(out.read_text())


def write(tmp_path, document, name="in.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


@pytest.fixture
def directory(personas):
    make_service(
        personas.provider,
        **FULL,
        capacity={
            "capacity": 12,
            "available_slots": 0,
            "accepting_referrals": False,
            "waitlist_open": True,
            "waitlist_length": 3,
            "typical_wait_days": 14,
        },
    )
    make_service(personas.clinic, name="Crisis line", category=Category.CRISIS_LINE)
    gone = make_service(personas.community, name="Old program", category=Category.OTHER)
    services.service_deactivate(service=gone, by=None)


def test_export_uses_hsds_field_names(directory, tmp_path):
    document = export_to(tmp_path)
    assert document["hsds_version"] == "3.0"
    assert len(document["organizations"]) == 3
    shelter = next(s for s in document["services"] if s["name"] == "Emergency shelter")
    assert shelter["minimum_age"] == 12 and shelter["maximum_age"] == 17
    assert shelter["email"] == "intake@shelter.example"
    assert [p["number"] for p in shelter["phones"]] == ["(555) 010-0201"]
    assert [lang["code"] for lang in shelter["languages"]] == ["en", "es", "ase"]
    assert [a["name"] for a in shelter["service_areas"]] == ["Eastgate", "Pier Road"]
    assert shelter["schedules"][0]["byday"] == hsds.ALL_WEEK
    address = shelter["service_at_locations"][0]["location"]["addresses"][0]
    assert address["address_1"] == "23 Cedar Lane"
    assert {a["taxonomy_term"]["code"] for a in shelter["attributes"]} == {"shelter", "female"}
    assert shelter["x_heatwatch"]["capacity"]["waitlist_length"] == 3
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_type="directory.service").exists()


def test_round_trip_into_an_empty_directory_gives_the_same_services(directory, tmp_path):
    before = snapshot()
    path = tmp_path / "directory.json"
    call_command("directory", "export", "--format", "hsds", str(path), stdout=None)
    Service.objects.all().delete()
    call_command("directory", "import", str(path), stdout=None)
    assert snapshot() == before
    # importing again updates in place: no duplicates, nothing changes
    call_command("directory", "import", str(path), stdout=None)
    assert snapshot() == before


def test_round_trip_into_an_empty_database_creates_organisations(tmp_path):
    org = Organisation.objects.create(
        name="Harbor Light", slug="harbor-light", type=OrganisationType.SERVICE_PROVIDER
    )
    make_service(org, **FULL)
    before = [(row[0], row[1], row[3]) for row in snapshot()]
    path = tmp_path / "directory.json"
    call_command("directory", "export", "--format", "hsds", str(path), stdout=None)
    Service.objects.all().delete()
    org.delete()
    with pytest.raises(CommandError):  # unknown organisation without --create-organisations
        call_command("directory", "import", str(path), stdout=None, stderr=None)
    assert not Service.objects.exists()
    call_command("directory", "import", str(path), "--create-organisations", stdout=None)
    assert [(row[0], row[1], row[3]) for row in snapshot()] == before
    assert Organisation.objects.get().type == OrganisationType.SERVICE_PROVIDER


def test_public_only_export_leaves_out_staff_data(directory, tmp_path):
    document = export_to(tmp_path, "--public-only")
    assert [s["name"] for s in document["services"]] == ["Emergency shelter"]
    text = json.dumps(document)
    for hidden in ("Duty coordinator", "Transport available", "23 Cedar Lane", "waitlist"):
        assert hidden not in text


def test_bad_records_are_reported_and_good_ones_kept(personas, tmp_path, capsys):
    good = {
        "name": "Legal clinic",
        "organization_id": "o1",
        "minimum_age": 12,
        "languages": [{"code": "es"}],
    }
    document = {
        "organizations": [{"id": "o1", "name": personas.provider.name}],
        "services": [
            good,
            {"name": "Bad age", "organization_id": "o1", "minimum_age": "ten"},
            {"organization_id": "o1", "description": "no name"},
            {"name": "Nobody's", "organization_id": "unknown-org"},
            {
                "name": "Half",
                "organization_id": "o1",
                "languages": [{"code": "es"}, {"code": "!!"}],
            },
            {
                "name": "Ages upside down",
                "organization_id": "o1",
                "minimum_age": 18,
                "maximum_age": 12,
            },
            "not an object",
        ],
    }
    with pytest.raises(CommandError, match="1 services .*6 refused") as exc:
        call_command("directory", "import", str(write(tmp_path, document)), stdout=None)
    assert exc.value.returncode == 1
    err = capsys.readouterr().err
    assert "services[1] (id ?, name 'Bad age'): minimum_age must be a whole number" in err
    assert "services[2]" in err and "name is missing" in err
    assert "services[3]" in err and "not known here" in err
    assert "services[4]" in err and "language code" in err
    assert "services[5]" in err and "youngest age" in err
    assert "services[6]: a service must be a JSON object" in err
    service = Service.objects.get()
    assert service.name == "Legal clinic" and service.organisation == personas.provider
    assert list(service.languages.values_list("code", flat=True)) == ["es"]
    assert not Service.objects.filter(name="Half").exists()  # nothing half-saved


def test_invalid_json_names_the_line(tmp_path):
    path = write(tmp_path, '{\n  "services": [\n    {"name": "x",}\n  ]\n}')
    with pytest.raises(CommandError, match="line 3"):
        call_command("directory", "import", str(path), stdout=None)


def test_missing_file_and_wrong_shape(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("directory", "import", str(tmp_path / "nope.json"), stdout=None)
    with pytest.raises(CommandError, match='no "services" list'):
        call_command(
            "directory", "import", str(write(tmp_path, {"x": 1})), stdout=None, stderr=None
        )


def test_organisation_map_and_hsds_api_pages(personas, tmp_path):
    document = {
        "contents": [
            {
                "name": "Youth clinic",
                "organization": {"id": "ext-42", "name": "Some Other Directory's Name"},
                "attributes": [
                    {"taxonomy_term": {"taxonomy": "heatwatch-category", "code": "medical"}}
                ],
                "status": "inactive",
            }
        ]
    }
    mapping = write(tmp_path, {"ext-42": personas.clinic.slug}, "map.json")
    call_command(
        "directory",
        "import",
        str(write(tmp_path, document)),
        "--organisation-map",
        str(mapping),
        stdout=None,
    )
    service = Service.objects.get()
    assert (service.organisation, service.category, service.is_active) == (
        personas.clinic,
        Category.MEDICAL,
        False,
    )


def test_bad_organisation_map_is_refused(tmp_path):
    mapping = write(tmp_path, ["not", "an", "object"], "map.json")
    with pytest.raises(CommandError, match="organisation map"):
        call_command(
            "directory",
            "import",
            str(write(tmp_path, {"services": []})),
            "--organisation-map",
            str(mapping),
            stdout=None,
        )


def test_an_id_of_another_organisations_service_is_refused(personas):
    service = make_service(personas.provider, name="Ours")
    document = {
        "organizations": [{"id": "o2", "name": personas.clinic.name}],
        "services": [{"id": str(service.hsds_id), "name": "Theirs", "organization_id": "o2"}],
    }
    result = hsds.import_hsds(document=document)
    assert result.errors and "another organisation" in result.errors[0]
    service.refresh_from_db()
    assert service.name == "Ours"
