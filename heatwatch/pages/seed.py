"""Demo content for every public page type, in English and Spanish (``heatwatch demo``).

Original, synthetic text for the fictional program; small generated files (PDF, CSV, text)
and two episodes of short generated audio (WAV tones). Safe to run twice: a page that exists
(by slug under its parent) is left alone, and so is a translation that exists.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import wave
from typing import Any

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

from heatwatch.pages.apps import ensure_locales
from heatwatch.pages.documents import clean_document
from heatwatch.pages.models import (
    EpisodePage,
    GlossaryPage,
    HomePage,
    MythsFactsPage,
    NewsIndexPage,
    NewsPostPage,
    PodcastIndexPage,
    Point,
    PointPage,
    PolicyItemPage,
    RedFlagsPage,
    ResourcePage,
    ToolkitIndexPage,
)


def _p(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def _publish(page: Page) -> Page:
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _child(parent: Page, page: Page) -> tuple[Any, bool]:
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing is not None:
        return existing.specific, False
    parent.add_child(instance=page)
    return _publish(page), True


def _translate(page: Page, locale: Locale, fields: dict[str, Any]) -> bool:
    if page.get_translation_or_none(locale) is not None:
        return False
    copy = page.copy_for_translation(locale, copy_parents=True).specific
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    _publish(copy)
    return True


def _document(title: str, name: str, data: bytes) -> Any:
    model = get_document_model()
    existing = model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    doc = model(title=title)
    doc.file.save(name, ContentFile(clean_document(name, data)), save=False)
    doc.save()
    return doc


def _pdf(title: str, lines: list[str]) -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>{line}</p>" for line in lines)
    pdf: bytes = HTML(string=f"<h1>{title}</h1>{body}", base_url="about:blank").write_pdf()
    return pdf


def _wav(seconds: float, pitch: float) -> bytes:
    rate = 8000
    frames = bytearray()
    for i in range(int(seconds * rate)):
        value = int(6000 * math.sin(2 * math.pi * pitch * i / rate))
        frames += value.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


POINT_ES = {
    Point.COMMUNITY: (
        "Comunidad",
        "Vecinos, escuelas y organizaciones aprenden las señales de alerta, reportan y "
        "acompañan a los jóvenes.",
    ),
    Point.LAW_ENFORCEMENT: (
        "Cumplimiento de la ley",
        "Los agentes actúan sobre los reportes, identifican a los jóvenes y los tratan como "
        "sobrevivientes, no como delincuentes.",
    ),
    Point.PROSECUTION: (
        "Fiscalía",
        "La fiscalía persigue a los explotadores y a los compradores, y un tribunal "
        "especializado acompaña a los jóvenes.",
    ),
    Point.POLICY: (
        "Políticas",
        "Seguimos las leyes, los protocolos y las obligaciones de publicar la línea de denuncias.",
    ),
    Point.SERVICES: (
        "Servicios",
        "Primero estabilizamos al joven; luego, un equipo de varias agencias coordina el "
        "apoyo a largo plazo.",
    ),
}

RESOURCES = [
    # slug, title, title_es, summary, summary_es, kind, topic, audience, point, file
    (
        "recognising-exploitation-training",
        "Recognising exploitation: a one-hour training",
        "Cómo reconocer la explotación: una capacitación de una hora",
        "Slides and facilitator notes for schools, clinics and youth programs.",
        "Diapositivas y notas para quien facilita, para escuelas, clínicas y programas juveniles.",
        "training",
        "recognising",
        "educators",
        Point.COMMUNITY,
        "pdf",
    ),
    (
        "county-protocol-template",
        "County protocol template for identifying and serving exploited youth",
        "Plantilla de protocolo del condado para identificar y atender a jóvenes explotados",
        "A model protocol a county can adapt: who does what in the first 72 hours.",
        "Un protocolo modelo que un condado puede adaptar: quién hace qué en las "
        "primeras 72 horas.",
        "template",
        "coordination",
        "programs",
        Point.POLICY,
        "pdf",
    ),
    (
        "mou-case-review-team",
        "Memorandum of understanding for a case-review team",
        "Memorando de entendimiento para un equipo de revisión de casos",
        "A template agreement between agencies that meet to review cases.",
        "Un acuerdo modelo entre las agencias que se reúnen para revisar casos.",
        "template",
        "coordination",
        "programs",
        Point.SERVICES,
        "txt",
    ),
    (
        "outreach-flyer-parents",
        "Outreach flyer for parents and caregivers",
        "Volante informativo para madres, padres y cuidadores",
        "A one-page flyer with warning signs and the tip line.",
        "Un volante de una página con señales de alerta y la línea de denuncias.",
        "outreach",
        "prevention",
        "parents",
        Point.COMMUNITY,
        "pdf",
    ),
    (
        "program-data-dictionary",
        "Program data dictionary",
        "Diccionario de datos del programa",
        "The measures the program reports each quarter, with definitions.",
        "Las medidas que el programa informa cada trimestre, con sus definiciones.",
        "data",
        "evaluation",
        "programs",
        Point.SERVICES,
        "csv",
    ),
    (
        "online-safety-guide",
        "Online safety guide for youth",
        "Guía de seguridad en internet para jóvenes",
        "How recruiters use social media and games, and how to get help.",
        "Cómo los reclutadores usan las redes sociales y los juegos, y cómo pedir ayuda.",
        "resource",
        "online",
        "youth",
        Point.COMMUNITY,
        "link",
    ),
    (
        "trauma-informed-interviews",
        "Trauma-informed first conversations",
        "Primeras conversaciones con enfoque informado por el trauma",
        "Practical guidance for officers and advocates meeting a youth for the first time.",
        "Orientación práctica para agentes y defensores que conocen a un joven por primera vez.",
        "training",
        "trauma",
        "law_enforcement",
        Point.LAW_ENFORCEMENT,
        "pdf",
    ),
    (
        "health-care-screening-card",
        "Pocket guide for health care workers",
        "Guía de bolsillo para el personal de salud",
        "Signs to notice during a visit and how to make a safe referral.",
        "Señales a observar durante una consulta y cómo hacer una derivación segura.",
        "resource",
        "recognising",
        "health",
        Point.SERVICES,
        "pdf",
    ),
]

RED_FLAGS = {
    "school": (
        [
            "Misses school often or suddenly stops caring about grades.",
            "Talks about an older boyfriend or girlfriend who picks them up.",
            "Has new clothes, phones or money they cannot explain.",
        ],
        [
            "Falta a clases con frecuencia o de pronto deja de importarle la escuela.",
            "Habla de una pareja mucho mayor que la recoge.",
            "Tiene ropa, teléfonos o dinero nuevos que no puede explicar.",
        ],
    ),
    "health": (
        [
            "Comes with an adult who answers every question for them.",
            "Repeated visits for sexually transmitted infections or injuries.",
            "Does not know the address where they are staying.",
        ],
        [
            "Llega con un adulto que responde todas las preguntas por el joven.",
            "Consultas repetidas por infecciones de transmisión sexual o lesiones.",
            "No sabe la dirección del lugar donde se queda.",
        ],
    ),
    "online": (
        [
            "Is offered modelling jobs or money by someone they only know online.",
            "Is asked to keep a new online friendship secret.",
            "Shares photos because someone promised gifts or threatened them.",
        ],
        [
            "Alguien que solo conoce por internet le ofrece trabajos de modelo o dinero.",
            "Le piden que guarde en secreto una nueva amistad en línea.",
            "Comparte fotos porque alguien le prometió regalos o le amenazó.",
        ],
    ),
    "community": (
        [
            "Is seen late at night in motels or known recruiting areas.",
            "Has a tattoo or brand they will not explain.",
            "Is with a group of youth controlled by one adult.",
        ],
        [
            "Se le ve de noche en moteles o en zonas conocidas de reclutamiento.",
            "Tiene un tatuaje o marca que no quiere explicar.",
            "Está con un grupo de jóvenes controlado por un adulto.",
        ],
    ),
    "home": (
        [
            "Runs away repeatedly or stays away for days.",
            "Becomes secretive about where they go and who they see.",
            "Has a second phone or social media accounts you did not know about.",
        ],
        [
            "Huye de casa repetidamente o se ausenta por días.",
            "Se vuelve reservado sobre adónde va y con quién.",
            "Tiene un segundo teléfono o cuentas en redes que usted no conocía.",
        ],
    ),
}

MYTHS = [
    (
        "It only happens in big cities or other countries.",
        "Youth are exploited in suburbs, small towns and rural areas, often by someone local.",
        "Solo ocurre en las grandes ciudades o en otros países.",
        "Los jóvenes son explotados en suburbios, pueblos y zonas rurales, a menudo por alguien "
        "de la misma comunidad.",
    ),
    (
        "A youth who does not ask for help must be choosing this.",
        "Fear, shame, threats and attachment to the exploiter keep many youth from asking.",
        "Si un joven no pide ayuda, es porque lo está eligiendo.",
        "El miedo, la vergüenza, las amenazas y el apego al explotador impiden que muchos jóvenes "
        "pidan ayuda.",
    ),
    (
        "Exploitation always involves kidnapping by strangers.",
        "Most exploiters first build trust: as a boyfriend, a friend or even a relative.",
        "La explotación siempre empieza con un secuestro por desconocidos.",
        "La mayoría de los explotadores primero se ganan la confianza: como pareja, amistad o "
        "incluso familiar.",
    ),
]

GLOSSARY = [
    (
        "The game",
        "How exploiters describe the life and rules of commercial sexual exploitation.",
        "«El juego»",
        "Así describen los explotadores la vida y las reglas de la explotación sexual comercial.",
    ),
    (
        "Quota",
        "An amount of money a youth is told to bring in each night.",
        "Cuota",
        "La cantidad de dinero que se le exige al joven cada noche.",
    ),
    (
        "Track",
        "An area known for buying and selling sex.",
        "Zona o «track»",
        "Un área conocida por la compra y venta de sexo.",
    ),
    (
        "Recruiter",
        "A person, often a peer, who draws a youth in for an exploiter.",
        "Reclutador",
        "Una persona, a menudo de la misma edad, que atrae al joven para un explotador.",
    ),
]

POLICIES = [
    (
        "safe-harbor-law",
        "Safe harbor for exploited youth",
        "Protección para jóvenes explotados",
        "law",
        "State",
        "SB 1322",
        "enacted",
        "safe_harbor",
        "Youth under 18 are not charged with prostitution; they are referred to services.",
        "Los menores de 18 años no son acusados de prostitución; se les deriva a servicios.",
        dt.date(2017, 1, 1),
    ),
    (
        "buyer-accountability-bill",
        "Higher penalties for buying sex from a minor",
        "Penas mayores por comprar sexo a un menor",
        "bill",
        "State",
        "AB 2040",
        "in_committee",
        "buyers",
        "Would raise penalties for buyers and fund survivor services from the fines.",
        "Aumentaría las penas para los compradores y financiaría servicios con las multas.",
        None,
    ),
    (
        "hotline-posting-ordinance",
        "Tip-line posters in public restrooms",
        "Carteles de la línea de denuncias en baños públicos",
        "law",
        "County",
        "Ord. 24-07",
        "enacted",
        "posting",
        "Bus stations, clinics and motels post the tip line in restrooms.",
        "Las estaciones de autobús, clínicas y moteles colocan la línea de denuncias en los baños.",
        dt.date(2024, 7, 1),
    ),
    (
        "county-identification-protocol",
        "County protocol for identifying and serving exploited youth",
        "Protocolo del condado para identificar y atender a jóvenes explotados",
        "protocol",
        "County",
        "",
        "model",
        "coordination",
        "Who is called, who meets the youth and how the care team forms in the first 72 hours.",
        "A quién se llama, quién se reúne con el joven y cómo se forma el equipo en 72 horas.",
        None,
    ),
]


def seed_pages(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """Every page type with demo content, in English and Spanish."""
    ensure_locales()
    home = HomePage.objects.filter(locale__language_code="en").first()
    if home is None:
        return ["pages: no home page (run migrations first)"]
    es = Locale.objects.filter(language_code="es").first()
    created = 0
    translated = 0
    today = dt.date(2026, 11, 2)

    # Spanish home and point pages
    if es is not None:
        translated += _translate(
            home,
            es,
            {
                "title": "Juntos protegemos a los jóvenes de la explotación",
                "seo_title": "Inicio",
                "search_description": "Una respuesta coordinada contra la explotación sexual "
                "comercial de niños, niñas y jóvenes.",
                "intro": _p(
                    "La explotación sexual comercial de jóvenes ocurre cerca de casa. Ninguna "
                    "agencia puede terminarla sola.",
                    "Nuestro programa reúne a vecinos, escuelas, policía, fiscalía, "
                    "legisladores y proveedores de servicios en un plan de cinco puntos.",
                ),
                "body": [],
            },
        )
        for page in PointPage.objects.filter(locale=home.locale):
            title, summary = POINT_ES[Point(page.point)]
            translated += _translate(page, es, {"title": title, "summary": summary, "body": []})

    toolkit, new = _child(
        home,
        ToolkitIndexPage(
            title="Toolkit",
            slug="toolkit",
            intro=_p(
                "Templates, trainings and materials any community can use to start or "
                "strengthen its own program."
            ),
        ),
    )
    created += new
    if es is not None:
        translated += _translate(
            toolkit,
            es,
            {
                "title": "Herramientas",
                "intro": _p(
                    "Plantillas, capacitaciones y materiales que cualquier comunidad puede "
                    "usar para "
                    "crear su propio programa."
                ),
            },
        )
    files = {
        "pdf": lambda title: ("resource.pdf", _pdf(title, ["Sample content for the demo."])),
        "txt": lambda title: ("resource.txt", f"{title}\n\nSample agreement text.\n".encode()),
        "csv": lambda title: (
            "resource.csv",
            b"measure,definition\ntips_received,Tips received in the quarter\n"
            b"youth_served,Youth with an open case\n",
        ),
    }
    for (
        slug,
        title,
        title_es,
        summary,
        summary_es,
        kind,
        topic,
        audience,
        point,
        file_kind,
    ) in RESOURCES:
        document = None
        link = ""
        if file_kind == "link":
            link = "https://www.example.org/online-safety"
        else:
            name, data = files[file_kind](title)
            document = _document(title, f"{slug}-{name}", data)
        resource, new = _child(
            toolkit,
            ResourcePage(
                title=title,
                slug=slug,
                summary=summary,
                kind=kind,
                topic=topic,
                audience=audience,
                point=point,
                document=document,
                link=link,
                credit_note="Bayview County HEAT Watch (fictional demo program)"
                if kind == "template"
                else "",
                last_updated=today - dt.timedelta(days=rng.randint(0, 300)),
            ),
        )
        created += new
        if es is not None:
            translated += _translate(resource, es, {"title": title_es, "summary": summary_es})

    red, new = _child(
        home,
        RedFlagsPage(
            title="Red flags",
            slug="red-flags",
            intro=_p(
                "No single sign proves a youth is being exploited. Several together are a "
                "reason to speak up."
            ),
            groups=[
                ("group", {"setting": key, "flags": en}) for key, (en, _es) in RED_FLAGS.items()
            ],
        ),
    )
    created += new
    myths, new = _child(
        home,
        MythsFactsPage(
            title="Myths and facts",
            slug="myths-and-facts",
            items=[("item", {"myth": m, "fact": _p(fact)}) for m, fact, _a, _b in MYTHS],
        ),
    )
    created += new
    glossary, new = _child(
        home,
        GlossaryPage(
            title="Glossary",
            slug="glossary",
            intro=_p("Words exploiters use. Knowing them helps adults notice what youth say."),
            terms=[("term", {"term": t, "definition": d}) for t, d, _a, _b in GLOSSARY],
        ),
    )
    created += new
    if es is not None:
        translated += _translate(
            red,
            es,
            {
                "title": "Señales de alerta",
                "intro": _p(
                    "Ninguna señal por sí sola prueba que un joven está siendo explotado. "
                    "Varias juntas son motivo para hablar."
                ),
                "groups": [
                    ("group", {"setting": k, "flags": s}) for k, (_e, s) in RED_FLAGS.items()
                ],
            },
        )
        translated += _translate(
            myths,
            es,
            {
                "title": "Mitos y realidades",
                "items": [("item", {"myth": m, "fact": _p(fact)}) for _a, _b, m, fact in MYTHS],
            },
        )
        translated += _translate(
            glossary,
            es,
            {
                "title": "Glosario",
                "intro": _p(
                    "Palabras que usan los explotadores. Conocerlas ayuda a los adultos a "
                    "notar lo que dicen los jóvenes."
                ),
                "terms": [("term", {"term": t, "definition": d}) for _a, _b, t, d in GLOSSARY],
            },
        )

    news, new = _child(
        home, NewsIndexPage(title="News", slug="news", intro=_p("News and past newsletters."))
    )
    created += new
    if es is not None:
        translated += _translate(
            news, es, {"title": "Noticias", "intro": _p("Noticias y boletines anteriores.")}
        )
    posts = [
        (
            "fall-training-series",
            "Fall training series for schools",
            "Serie de capacitaciones de otoño para escuelas",
            "Twelve schools will host one-hour trainings for staff this fall.",
            "Doce escuelas ofrecerán capacitaciones de una hora a su personal este otoño.",
            ["training"],
        ),
        (
            "new-partner-clinic",
            "A new partner clinic joins the directory",
            "Una nueva clínica se une al directorio",
            "Youth can now be referred to a second clinic with evening hours.",
            "Ahora se puede derivar a los jóvenes a una segunda clínica con horario nocturno.",
            ["services"],
        ),
        (
            "poster-campaign",
            "Tip-line posters in every bus station",
            "Carteles de la línea de denuncias en cada estación",
            "Volunteers placed posters in English and Spanish at 40 stations.",
            "Voluntarios colocaron carteles en inglés y español en 40 estaciones.",
            ["community", "outreach"],
        ),
    ]
    for i, (slug, title, title_es, summary, summary_es, tags) in enumerate(posts):
        post = news.get_children().filter(slug=slug).first()
        if post is None:
            post = NewsPostPage(
                title=title,
                slug=slug,
                author="Program coordinator",
                summary=summary,
                date=today - dt.timedelta(days=30 * i),
            )
            news.add_child(instance=post)
            post.tags.add(*tags)
            _publish(post)
            created += 1
        if es is not None:
            translated += _translate(post.specific, es, {"title": title_es, "summary": summary_es})

    podcast, new = _child(
        home,
        PodcastIndexPage(
            title="Podcast",
            slug="podcast",
            intro=_p("Short conversations with the people who make the program work."),
            description="Conversations about keeping youth safe from exploitation.",
            author="Bayview County HEAT Watch",
        ),
    )
    created += new
    if es is not None:
        translated += _translate(
            podcast,
            es,
            {
                "title": "Pódcast",
                "intro": _p("Conversaciones breves con quienes hacen posible el programa."),
                "description": "Conversaciones sobre cómo proteger a los jóvenes de la "
                "explotación.",
            },
        )
    episodes = [
        (1, "What a school counsellor noticed", "Lo que notó una consejera escolar", 440.0),
        (2, "The first 72 hours", "Las primeras 72 horas", 523.0),
    ]
    for number, title, title_es, pitch in episodes:
        audio = _document(f"Episode {number} audio", f"episode-{number}.wav", _wav(2.0, pitch))
        episode, new = _child(
            podcast,
            EpisodePage(
                title=title,
                slug=f"episode-{number}",
                episode_number=number,
                audio=audio,
                duration_seconds=2,
                date=today - dt.timedelta(days=14 * (2 - number)),
                show_notes=_p("A demo episode: two seconds of a tone."),
                transcript="[A tone plays for two seconds.]",
            ),
        )
        created += new
        if es is not None:
            translated += _translate(
                episode,
                es,
                {
                    "title": title_es,
                    "show_notes": _p("Un episodio de demostración: dos segundos de un tono."),
                    "transcript": "[Suena un tono durante dos segundos.]",
                },
            )
    policy = PointPage.objects.filter(locale=home.locale, point=Point.POLICY).first()
    if policy is not None:
        for (
            slug,
            title,
            title_es,
            kind,
            jurisdiction,
            bill_number,
            status,
            topic,
            summary,
            summary_es,
            effective,
        ) in POLICIES:
            item, new = _child(
                policy,
                PolicyItemPage(
                    title=title,
                    slug=slug,
                    kind=kind,
                    jurisdiction=jurisdiction,
                    number=bill_number,
                    status=status,
                    topic=topic,
                    summary=summary,
                    effective_date=effective,
                ),
            )
            created += new
            if es is not None:
                translated += _translate(item, es, {"title": title_es, "summary": summary_es})
    return [f"pages: {created} demo pages created, {translated} Spanish translations"]
