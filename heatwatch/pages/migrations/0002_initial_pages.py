"""Replace Wagtail's "Welcome" page with the heatwatch home page and the five point pages.

Mirrors ``wagtail/migrations/0002_initial_data.py`` and Wagtail's project template: historical
models, explicit treebeard fields (path, depth, numchild) and url_path, because the migration
cannot use ``Page.add_child()``. The text is demo content for a county program; coordinators
edit it at /cms/ (docs/content.md). It names no county, so a real installation can keep it.
"""

import uuid

from django.db import migrations
from django.utils import timezone

# treebeard's materialised path: 4 base-36 characters per level
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STEPLEN = 4


def _encode(number):
    digits = ""
    while number:
        number, rest = divmod(number, len(_ALPHABET))
        digits = _ALPHABET[rest] + digits
    return digits.rjust(_STEPLEN, "0")


def _decode(step):
    return int(step, len(_ALPHABET))


def _block(block_type, value):
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def _heading(text):
    return _block("heading", text)


def _paragraph(*paragraphs):
    return _block("paragraph", "".join(f"<p>{text}</p>" for text in paragraphs))


def _bullets(*items):
    return _block(
        "bullets", [{"type": "item", "value": item, "id": str(uuid.uuid4())} for item in items]
    )


def _callout(heading, text):
    return _block("callout", {"heading": heading, "text": f"<p>{text}</p>"})


HOME = {
    "title": "Together, we keep youth safe from exploitation",
    "seo_title": "Home",
    "search_description": (
        "A coordinated community response against the commercial sexual exploitation of "
        "children: community, law enforcement, prosecution, policy and services."
    ),
    "intro": (
        "<p>The commercial sexual exploitation of children happens close to home. It reaches "
        "young people in every neighbourhood and from every background, often through someone "
        "they have learned to trust. No agency can end it alone.</p>"
        "<p>Our program brings residents, schools, police, prosecutors, lawmakers and service "
        "providers together around one plan with five points. This site explains what each "
        "point does and how you can take part.</p>"
    ),
    "body": [
        _heading("What you can do today"),
        _bullets(
            "Learn the warning signs that a young person may be exploited.",
            "Save the tip-line number in your phone and share it with others.",
            "Ask us to train your school, clinic, faith community or workplace.",
            "Sign up for our newsletter to hear about events and new resources.",
        ),
        _callout(
            "Survivors, not offenders",
            "A young person who has been bought or sold for sex has been abused. Everyone in "
            "our program treats exploited youth as survivors who deserve care and respect, "
            "never as offenders.",
        ),
    ],
}

POINTS = [
    {
        "point": "community",
        "slug": "community",
        "title": "Community",
        "summary": (
            "Anyone who spends time with young people can notice when something is wrong. We "
            "help residents, schools and businesses recognise the warning signs and know what "
            "to do next."
        ),
        "body": [
            _heading("Why the community matters"),
            _paragraph(
                "Exploitation usually hides in plain sight. People who exploit children look "
                "for youth who are lonely, short of money or a place to sleep, or already hurt "
                "by abuse. They often pose as a boyfriend, a friend or a helper long before "
                "they ask for anything in return.",
                "Police and service providers cannot be everywhere. Neighbours, teachers, "
                "coaches, bus drivers, nurses and shop staff are often the first to see that "
                "something has changed in a young person's life.",
                "Any youth can be targeted. Young people in foster care, youth who have run "
                "away or been pushed out of home, and LGBTQ+ youth face a higher risk, but no "
                "family and no neighbourhood is immune.",
            ),
            _heading("Warning signs"),
            _bullets(
                "A much older partner or 'friend' who controls where the youth goes and who "
                "they talk to",
                "New phones, clothes, hair, nails or cash that the youth cannot explain",
                "Missing school often, running away, or being seen at motels or out late in "
                "unfamiliar places",
                "Tattoos of names, symbols or money signs that the youth does not want to "
                "talk about",
                "Injuries, fear, exhaustion, or answers that sound rehearsed",
                "Talk of 'the life' or 'the game', or of money they have to bring in",
            ),
            _paragraph(
                "One sign on its own proves nothing, and you do not need to be sure before you "
                "speak up. If something worries you, tell us: trained staff will decide what "
                "happens next."
            ),
            _heading("How you can take part"),
            _bullets(
                "Report a concern by phone or online. You can stay anonymous, and you will get "
                "a receipt code to check back and answer follow-up questions.",
                "Request a training for your school, clinic, faith community, business or "
                "neighbourhood group.",
                "Come to one of our events, or host one with us.",
                "Subscribe to the newsletter for news, events and new resources.",
                "Start a neighbourhood program, or join a working group that plans local "
                "awareness campaigns.",
                "Young people can join the Youth Action Network and lead a club at their school.",
            ),
            _callout(
                "Reporting is safe",
                "You do not need proof and you do not need to give your name. The online tip "
                "form records no IP address and uses no tracking. If a youth is in immediate "
                "danger, call 911 first.",
            ),
        ],
    },
    {
        "point": "law_enforcement",
        "slug": "law-enforcement",
        "title": "Law Enforcement",
        "summary": (
            "Officers act on tips quickly, identify youth who are being exploited and bring "
            "them to safety. A recovered youth is treated as the victim of a crime, never as a "
            "suspect."
        ),
        "body": [
            _heading("From tip to recovery"),
            _paragraph(
                "Every tip is read and triaged by the program coordinator. Urgent tips, and "
                "tips that point to a particular youth or place, are referred to the "
                "law-enforcement agency for that area, which investigates and records what it "
                "found.",
                "When officers identify a youth who is being exploited, safety comes first. "
                "They work with an advocate from a partner agency, so the young person has "
                "someone on their side from the first hour, and they hand the youth over to a "
                "care team rather than to a cell.",
            ),
            _heading("Focused on exploiters and buyers"),
            _paragraph(
                "Investigations target the adults who profit from children and the adults who "
                "pay to abuse them. Officers gather evidence so that a case never rests on a "
                "young person's testimony alone."
            ),
            _heading("What the platform gives officers"),
            _bullets(
                "A referral inbox for each agency, showing only the tips sent to that agency",
                "Clear urgency levels, due times and reminders, so that no tip waits unseen",
                "A simple way to record the outcome of every referral",
                "A secure hand-off from a recovery to a coordinated case, with the care team "
                "alerted at once",
            ),
            _callout(
                "Training for officers",
                "Patrol officers, detectives and dispatchers can ask for training on "
                "recognising exploitation and on trauma-informed interviews. Use the training "
                "request form or contact the program coordinator.",
            ),
        ],
    },
    {
        "point": "prosecution",
        "slug": "prosecution",
        "title": "Prosecution",
        "summary": (
            "Prosecutors hold exploiters and buyers accountable, and a specialised youth court "
            "keeps each young person's recovery at the centre of every hearing."
        ),
        "body": [
            _heading("Holding exploiters and buyers accountable"),
            _paragraph(
                "A dedicated team of prosecutors charges the adults who recruit, sell and buy "
                "children for sex. Buyers create the demand that keeps this market alive, and "
                "the program pursues them as seriously as the people who sell.",
                "Prosecutors build cases on evidence such as phone, financial and online "
                "records, so that a youth is not asked to carry the case alone. Victim-witness "
                "advocates explain every step, go to court with the young person, and help them "
                "apply for victim compensation where it is available.",
            ),
            _heading("A specialised youth court"),
            _paragraph(
                "Some exploited youth also come into contact with the justice system. Instead "
                "of treating them as offenders, a specialised youth court calendar brings the "
                "judge, attorneys, probation and service providers together around one plan "
                "for each young person. Hearings focus on safety, school, health and steady "
                "support, and progress is recognised."
            ),
            _heading("What the platform gives prosecutors"),
            _bullets(
                "A prosecution tracker for defendants, charges, hearings and outcomes",
                "A youth-court docket that the young person's care team can see, so that "
                "nobody misses a hearing",
                "Statistics for funders and the public, with small numbers hidden to protect "
                "privacy",
            ),
            _callout(
                "Support never depends on testifying",
                "Whether a youth speaks to police or testifies in court is always their "
                "choice. It never changes the services and support they receive.",
            ),
        ],
    },
    {
        "point": "policy",
        "slug": "policy",
        "title": "Policy",
        "summary": (
            "Good laws and clear protocols make the whole response work. We follow "
            "legislation, share model protocols and help organisations meet their legal duties."
        ),
        "body": [
            _heading("Laws that protect youth"),
            _paragraph(
                "A strong response needs laws that treat exploited youth as victims, give "
                "prosecutors the tools to pursue exploiters and buyers, and fund services. The "
                "program follows local, state and federal bills, explains what they mean for "
                "young people here, and shares what it learns with lawmakers."
            ),
            _heading("Protocols that connect agencies"),
            _paragraph(
                "Working together takes written agreements: who is called when a youth is "
                "identified, how information is shared safely, and who leads each step. The "
                "program keeps model protocols and memoranda of understanding that partners can "
                "adapt, so a new agency can join without starting from nothing."
            ),
            _heading("Hotline posters"),
            _paragraph(
                "In many places the law requires certain businesses and public places, such as "
                "transit stations, hotels, bars and emergency rooms, to display a notice with a "
                "human-trafficking hotline number. The program offers printable posters in "
                "English and Spanish with the local tip line."
            ),
            _heading("What the platform gives policy makers"),
            _bullets(
                "A legislation and policy tracker with status, summaries and key dates",
                "A library of model protocols and interagency agreements",
                "Printable hotline posters with the local tip-line number",
                "Aggregated, privacy-safe statistics to inform decisions",
            ),
        ],
    },
    {
        "point": "services",
        "slug": "services",
        "title": "Services",
        "summary": (
            "The first priority is to stabilise the youth: safety, a place to stay, medical "
            "care and someone to talk to. A care team then provides long-term support, "
            "coordinated so that nothing is duplicated and nobody is lost."
        ),
        "body": [
            _heading("Stabilise first"),
            _paragraph(
                "In the first 72 hours after a youth is identified, the care team concentrates "
                "on immediate needs: a safe place to stay, medical care, food and clothing, and "
                "crisis support from an advocate the young person can reach."
            ),
            _heading("One care team, one plan"),
            _paragraph(
                "Each youth has a care team drawn from the agencies already involved in their "
                "life: rape-crisis and community advocates, social services, probation, mental "
                "health, health care and schools. The team agrees one service plan with the "
                "young person, and every member knows what they are responsible for and when "
                "it is due.",
                "Referrals go to partner services in the directory and are followed until they "
                "close: sent, accepted, first contact, completed. When a referral goes "
                "unanswered or a youth has been out of contact for too long, the platform "
                "alerts the team, so that no young person is lost between agencies.",
            ),
            _heading("Support is never conditional"),
            _paragraph(
                "Youth receive services whether or not they choose to speak with police or take "
                "part in a prosecution. Their choice is recorded only so the team can support "
                "them through it; it is never a condition for any service."
            ),
            _heading("Building on what already exists"),
            _paragraph(
                "Few communities have agencies that serve only exploited youth, and they do "
                "not need them. Rape-crisis centres, youth shelters, mental health clinics and "
                "community organisations already have much of the expertise. The program "
                "trains and connects them instead of building a separate system."
            ),
            _callout(
                "For partner agencies",
                "To join the partner directory, receive referrals or request training for "
                "your staff, contact the program coordinator.",
            ),
        ],
    },
]


def create_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("pages.HomePage")
    PointPage = apps.get_model("pages.PointPage")

    if HomePage.objects.exists():
        return  # already set up (or set up by hand): leave the content alone

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return  # wagtailcore.0002 always creates one; nothing sensible to do otherwise

    page_type = ContentType.objects.get_for_model(Page)
    welcome = Page.objects.filter(
        depth=2, slug="home", content_type=page_type, path__startswith=root.path
    ).first()
    locale = (
        Locale.objects.filter(pk=(welcome or root).locale_id).first()
        or Locale.objects.order_by("pk").first()
    )

    home_type, _ = ContentType.objects.get_or_create(app_label="pages", model="homepage")
    point_type, _ = ContentType.objects.get_or_create(app_label="pages", model="pointpage")
    now = timezone.now()
    published = {
        "live": True,
        "has_unpublished_changes": False,
        "first_published_at": now,
        "last_published_at": now,
        "locale_id": locale.pk if locale else None,
    }

    siblings = Page.objects.filter(depth=2, path__startswith=root.path)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    home_path = root.path + _encode(_decode(last[-_STEPLEN:]) + 1 if last else 1)

    home = HomePage.objects.create(
        title=HOME["title"],
        draft_title=HOME["title"],
        seo_title=HOME["seo_title"],
        search_description=HOME["search_description"],
        slug="home",
        content_type=home_type,
        path=home_path,
        depth=2,
        numchild=len(POINTS),
        url_path="/home/",
        intro=HOME["intro"],
        body=HOME["body"],
        translation_key=uuid.uuid4(),
        **published,
    )
    for index, spec in enumerate(POINTS, start=1):
        PointPage.objects.create(
            title=spec["title"],
            draft_title=spec["title"],
            slug=spec["slug"],
            content_type=point_type,
            path=home_path + _encode(index),
            depth=3,
            numchild=0,
            url_path=f"/home/{spec['slug']}/",
            show_in_menus=True,
            point=spec["point"],
            summary=spec["summary"],
            body=spec["body"],
            translation_key=uuid.uuid4(),
            **published,
        )

    # Point every site that showed the Welcome page (or the default site) at the new home.
    sites = Site.objects.filter(root_page_id=welcome.pk) if welcome else Site.objects.none()
    if sites.exists():
        sites.update(root_page_id=home.pk)
    elif not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", port=80, root_page_id=home.pk, is_default_site=True)
    else:
        Site.objects.filter(is_default_site=True).update(root_page_id=home.pk)

    if welcome is not None:
        welcome.delete()
    root.numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])


def remove_pages(apps, schema_editor):
    """Put back a plain Welcome page as Wagtail's own initial data has it."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")

    ours = ContentType.objects.filter(app_label="pages", model__in=["homepage", "pointpage"])
    homes = Page.objects.filter(content_type__app_label="pages", content_type__model="homepage")
    site_values = list(
        Site.objects.filter(root_page__in=homes).values(
            "hostname", "port", "site_name", "is_default_site"
        )
    )
    Page.objects.filter(content_type__in=ours).delete()  # cascades to their sites

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return
    siblings = Page.objects.filter(depth=2, path__startswith=root.path)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    welcome = Page.objects.create(
        title="Welcome to your new Wagtail site!",
        draft_title="Welcome to your new Wagtail site!",
        slug="home",
        content_type=ContentType.objects.get_for_model(Page),
        path=root.path + _encode(_decode(last[-_STEPLEN:]) + 1 if last else 1),
        depth=2,
        numchild=0,
        url_path="/home/",
        live=True,
        locale_id=root.locale_id,
        translation_key=uuid.uuid4(),
    )
    for values in site_values or [{"hostname": "localhost", "is_default_site": True}]:
        Site.objects.create(root_page_id=welcome.pk, **values)
    root.numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_pages, remove_pages),
    ]
