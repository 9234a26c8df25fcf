"""Load the demo content (idempotent), or a large synthetic data set for benchmarks.

`make run` calls this on every start, so every write is keyed by a slug or name and an item is
only saved when something differs: staff who look at `updated_at` see the same rows each time.
"""

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from challenges.models import Challenge
from contributions.models import (
    Contribution,
    ContributionStatus,
    DeclineReason,
    SubmitterKind,
)
from helsingborg_innovation import demo_content as demo
from helsingborg_innovation import pagecache
from helsingborg_innovation.models import ContactPerson, Department, GlobalGoal, Partner
from helsingborg_innovation.publishing import Status
from initiatives.models import ImpactGoal, Initiative, Phase, PhaseChange, StopReason
from methods.models import Attachment, Method

PHASE_ORDER = [Phase.IDEA, Phase.EXPLORATION, Phase.PILOT, Phase.IMPLEMENTATION, Phase.OPERATION]
STOPPED_PATH = [Phase.IDEA, Phase.EXPLORATION, Phase.PILOT, Phase.STOPPED]
BENCH_PREFIX = "bench-"
# Benchmark ideas have 12-character references; contribution_submit makes 10-character ones.
BENCH_REFERENCE_PREFIX = "HBG-B"
REFERENCE_DIGITS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PUBLISH_WINDOW_DAYS = 720


def _at_nine(day: date) -> datetime:
    """A fixed time of day, so that a second run on the same day changes nothing."""
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


@contextmanager
def _given_receipt_times():
    """Let bulk_create keep the `created_at` of benchmark ideas (auto_now_add would stamp them
    all with the moment of seeding), so that their dates spread like real ones."""
    field = Contribution._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def _listing(names: list[str]) -> str:
    """'A', 'A och B', 'A, B och C'."""
    return " och ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def tiny_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF with a few lines of text (Latin-1 letters such as å, ä, ö)."""
    text = ["BT", "/F1 18 Tf", "72 770 Td", f"({title}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        text += [f"({line}) Tj", "0 -18 Td"]
    text.append("ET")
    stream = "\n".join(text).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class Command(BaseCommand):
    help = (
        "Load the Helsingborg demo content (safe to run again); with --large N, also a "
        "synthetic data set of N initiatives for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--large",
            type=int,
            metavar="N",
            help="also create N synthetic initiatives, N/10 challenges and N/50 methods "
            "(slugs start with 'bench-'; running again tops up what is missing)",
        )
        parser.add_argument(
            "--ideas",
            type=int,
            metavar="M",
            help="with --large: how many synthetic ideas to send to the challenges (default N/5)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed for --large")

    def handle(self, *args, large=None, ideas=None, seed=2026, verbosity=1, **options):
        if large is not None and large < 0:
            raise CommandError("--large takes a positive number of initiatives.")
        if ideas is not None and (ideas < 0 or large is None):
            raise CommandError("--ideas takes a positive number, together with --large.")
        self.verbosity = verbosity
        self.today = timezone.localdate()
        with transaction.atomic():
            counts = self.load_demo()
        self.say(
            "Demo content: {challenges} challenges ({open} open), {initiatives} initiatives "
            "({stopped} stopped), {methods} methods, {ideas} ideas.".format(**counts)
        )
        if settings.DEBUG:
            self.ensure_local_admin()
        if large:
            self.load_large(large, large // 5 if ideas is None else ideas, random.Random(seed))
        pagecache.bump(*pagecache.ALL)

    def say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(message)

    # The demo content -------------------------------------------------------------------

    def load_demo(self) -> dict:
        today = self.today
        departments = {}
        for name, kind in demo.DEPARTMENTS:
            departments[name] = self._upsert(
                Department, {"name": name}, slug=slugify(name), kind=kind
            )
        partners = {}
        for name, kind in demo.PARTNERS:
            partners[name] = self._upsert(Partner, {"name": name}, kind=kind)
        contacts = {}
        for name, role, department, email in demo.CONTACTS:
            contacts[name] = self._upsert(
                ContactPerson,
                {"email": email},
                name=name,
                role=role,
                department=departments[department],
            )
        goals = {goal.number: goal for goal in GlobalGoal.objects.all()}

        methods = {}
        for index, row in enumerate(demo.METHODS):
            slug, title, kind, stage, duration, tags, summary, body, link = row
            method = self._publishable(
                Method,
                slug,
                title=title,
                kind=kind,
                stage=stage,
                duration=duration,
                summary=summary,
                body=self._method_body(summary, body, stage),
                external_url=link,
                contact=contacts["Lisa Olsson"],
                publish_at=_at_nine(today - timedelta(days=700 - index * 30)),
            )
            method.tags.set(tags)
            methods[slug] = method
        self._ensure_attachment(methods["kundresa"])

        challenges = {}
        for index, row in enumerate(demo.CHALLENGES):
            slug, title, department, contact, open_days, goal_numbers, tags, summary, body = row
            challenge = self._publishable(
                Challenge,
                slug,
                title=title,
                owner_department=departments[department],
                contact=contacts[contact],
                open_until=None if open_days is None else today + timedelta(days=open_days),
                summary=summary,
                body=body,
                publish_at=_at_nine(today - timedelta(days=700 - index * 50)),
            )
            challenge.goals.set([goals[n] for n in goal_numbers])
            challenge.tags.set(tags)
            challenges[slug] = challenge
        method_slugs = [row[0] for row in demo.METHODS]
        for index, challenge in enumerate(challenges.values()):
            challenge.suggested_methods.set(
                [methods[method_slugs[(index + step) % len(method_slugs)]] for step in (0, 5, 9)]
            )

        # Publishing dates spread over the last two years, oldest initiative first.
        starts = [self._start(row[10]) for row in demo.INITIATIVES]
        by_age = sorted(range(len(starts)), key=lambda i: starts[i])
        step = PUBLISH_WINDOW_DAYS // len(by_age)
        publish_days = {i: PUBLISH_WINDOW_DAYS - rank * step for rank, i in enumerate(by_age)}
        initiatives = {}
        for index, row in enumerate(demo.INITIATIVES):
            initiatives[row[0]] = self._save_initiative(
                row,
                publish_days[index],
                departments,
                partners,
                contacts,
                goals,
                challenges,
                methods,
            )

        self._save_ideas(challenges, initiatives)

        # Staff previews: drafts and a scheduled item that the public cannot see yet.
        self._publishable(
            Challenge,
            "utkast-framtidens-hamn",
            title="Hur kan hamnen bli en mötesplats för alla?",
            owner_department=departments["Helsingborgs Hamn"],
            contact=contacts["Erik Lindqvist"],
            summary="Ett utkast som bara redaktörer ser i förhandsgranskningen.",
            body="Under arbete: bakgrund och frågor till invånarna skrivs tillsammans med "
            "Helsingborgs Hamn.",
            status=Status.DRAFT,
            publish_at=None,
        )
        slug, title, phase, owner, summary = demo.DRAFT_INITIATIVE
        self._publishable(
            Initiative,
            slug,
            title=title,
            phase=phase,
            owner_department=departments[owner],
            contact=contacts["Johan Berg"],
            summary=summary,
            body=summary,
            status=Status.DRAFT,
            publish_at=None,
        )
        self._publishable(
            Method,
            "schemalagd-designsprint",
            title="Designsprint på fem dagar",
            kind=Method.Kind.METHOD,
            stage=Method.Stage.PROTOTYPE,
            duration=Method.Duration.DAYS,
            contact=contacts["Lisa Olsson"],
            summary="Från problem till testad prototyp på en arbetsvecka.",
            body="Schemalagd: publiceras om en vecka.\n\nMåndag förstå, tisdag skissa, onsdag "
            "välj, torsdag bygg en prototyp, fredag testa med fem användare.",
            publish_at=_at_nine(today + timedelta(days=7)),
        )

        # Some pages have not been touched for a while, so they carry the age notice.
        old = _at_nine(today - timedelta(days=settings.CONTENT_AGE_NOTICE_DAYS + 30))
        Initiative.objects.filter(
            slug__in=["grona-tak", "meroppet-bibliotek", "sommarjobb-foretag"]
        ).update(updated_at=old)
        Challenge.objects.filter(slug__in=["smartare-parkering", "fler-i-arbete"]).update(
            updated_at=old
        )
        Method.objects.filter(slug__in=["personas", "crazy-eights"]).update(updated_at=old)

        demo_challenges = Challenge.objects.exclude(slug__startswith=BENCH_PREFIX)
        demo_initiatives = Initiative.objects.exclude(slug__startswith=BENCH_PREFIX)
        return {
            "challenges": demo_challenges.count(),
            "open": demo_challenges.published().open().count(),
            "initiatives": demo_initiatives.count(),
            "stopped": demo_initiatives.stopped().count(),
            "methods": Method.objects.exclude(slug__startswith=BENCH_PREFIX).count(),
            "ideas": Contribution.objects.exclude(challenge__slug__startswith=BENCH_PREFIX).count(),
        }

    def _start(self, months_ago: int | date) -> date:
        if isinstance(months_ago, date):
            return months_ago
        return self.today - timedelta(days=30 * months_ago)

    def _upsert(self, model, lookup: dict, **fields):
        """update_or_create that validates, and saves only when something differs."""
        obj = model.objects.filter(**lookup).first() or model(**lookup)
        changed = obj.pk is None
        for name, value in fields.items():
            if changed or getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            obj.full_clean()
            obj.save()
        return obj

    def _publishable(self, model, slug: str, *, status=Status.PUBLISHED, **fields):
        return self._upsert(model, {"slug": slug}, status=status, **fields)

    @staticmethod
    def _method_body(summary: str, body: str, stage: str) -> str:
        when = {
            "understand": "i början, när ni behöver förstå problemet och dem som berörs",
            "ideate": "när behovet är förstått och ni behöver många idéer",
            "prototype": "när ni vill göra en idé konkret innan den kostar pengar",
            "test": "när ni ska pröva en lösning och bestämma om den ska fortsätta",
            "implement": "när en lösning ska bli en del av den ordinarie verksamheten",
            "scale": "när en lösning fungerar och fler kan ha nytta av den",
        }[stage]
        return (
            f"{body}\n\n## När passar det?\n\nAnvänd det {when}.\n\n## Tips\n\n"
            "- Bjud in någon som berörs av resultatet\n"
            "- Dokumentera vad ni kom fram till i portföljen\n\n"
            "Har du frågor? Kontakta innovationsteamet på Stadsledningsförvaltningen."
        )

    def _ensure_attachment(self, method: Method) -> None:
        if method.attachments.exists():
            return
        pdf = tiny_pdf(
            "Kundresekarta - mall",
            [
                "1. Välj en person och ett mål.",
                "2. Skriv ned varje steg i resan.",
                "3. Markera var det skaver och var det fungerar bra.",
                "4. Välj ett steg att förbättra först.",
                "Helsingborgs stad, innovationsplattformen",
            ],
        )
        attachment = Attachment(
            method=method,
            title="Mall för kundresekarta (PDF)",
            file=ContentFile(pdf, name="kundresekarta.pdf"),
        )
        attachment.full_clean()
        attachment.save()

    def _save_initiative(
        self, row, publish_days, departments, partners, contacts, goals, challenges, methods
    ) -> Initiative:
        (
            slug,
            title,
            phase,
            owner,
            participating,
            partner_names,
            challenge_slugs,
            method_slugs,
            goal_numbers,
            tags,
            months_ago,
            months_long,
            summary,
            stop,
            lessons,
        ) = row
        today = self.today
        start = self._start(months_ago)
        if isinstance(months_long, date):
            end = months_long
        else:
            end = start + timedelta(days=30 * months_long) if months_long else None
        stop_reason, explanation = stop or ("", "")
        contact = next(
            (c for c in contacts.values() if c.department_id == departments[owner].pk),
            contacts["Erik Lindqvist"],
        )
        initiative = self._publishable(
            Initiative,
            slug,
            title=title,
            phase=phase,
            owner_department=departments[owner],
            contact=contact,
            summary=summary,
            body=self._initiative_body(
                summary, owner, participating, partner_names, challenges, challenge_slugs
            ),
            stop_reason=stop_reason,
            stop_explanation=explanation,
            lessons_learned=lessons,
            start_date=start,
            end_date=end,
            publish_at=_at_nine(today - timedelta(days=max(1, publish_days))),
        )
        initiative.departments.set([departments[name] for name in participating])
        initiative.partners.set([partners[name] for name in partner_names])
        initiative.challenges.set([challenges[s] for s in challenge_slugs])
        initiative.methods.set([methods[s] for s in method_slugs])
        initiative.goals.set([goals[n] for n in goal_numbers])
        initiative.tags.set(tags)

        story = demo.STORIES.get(slug)
        if story:
            steps = list(story)
        elif phase == Phase.STOPPED:
            steps = STOPPED_PATH
        else:
            steps = PHASE_ORDER[: PHASE_ORDER.index(phase) + 1]
        last = end or max(start, today - timedelta(days=14))
        span = (last - start).days
        timeline = []
        for position, step in enumerate(steps):
            when = start + timedelta(days=span * position // max(1, len(steps) - 1))
            if story and isinstance(story[step], tuple):
                when, note = story[step]
            elif story:
                note = story[step]
            elif step == Phase.STOPPED:
                note = f"Stoppbeslut: {explanation}"
            else:
                note = demo.TIMELINE_NOTES[step]
            timeline.append(PhaseChange(initiative=initiative, date=when, phase=step, note=note))
        self._replace_rows(initiative.timeline.all(), timeline, ["date", "phase", "note"])
        impact = [
            ImpactGoal(
                initiative=initiative, description=goal, target=target, result=result, order=n
            )
            for n, (goal, target, result) in enumerate(demo.IMPACT_GOALS.get(slug, []))
        ]
        self._replace_rows(
            initiative.impact_goals.all(), impact, ["description", "target", "result", "order"]
        )
        return initiative

    @staticmethod
    def _initiative_body(
        summary, owner, participating, partner_names, challenges, challenge_slugs
    ) -> str:
        parts = [summary, "## Bakgrund"]
        if challenge_slugs:
            titles = [challenges[s].title for s in challenge_slugs]
            named = _listing([f"*{title}*" for title in titles])
            noun = "utmaningen" if len(titles) == 1 else "utmaningarna"
            # A title is often a question: "… svarar på utmaningen *Hur …?*", not "?*.".
            end = "" if titles[-1].endswith(("?", "!", ".")) else "."
            parts.append(f"Initiativet svarar på {noun} {named}{end}")
        else:
            parts.append("Initiativet kom till för att pröva nya sätt att arbeta i staden.")
        together = f" tillsammans med {_listing(partner_names)}" if partner_names else ""
        parts.append("## Vilka är med?")
        parts.append(
            f"Initiativet drivs av {_listing([owner, *participating])}{together}, "
            "med stöd av stadens innovationsteam."
        )
        return "\n\n".join(parts)

    @staticmethod
    def _replace_rows(queryset, wanted: list[models.Model], fields: list[str]) -> None:
        """Make a related set hold exactly `wanted`, touching nothing when it already does."""
        current = list(queryset.values_list(*fields))
        if current == [tuple(getattr(obj, f) for f in fields) for obj in wanted]:
            return
        queryset.delete()
        for obj in wanted:
            obj.full_clean()
        queryset.model.objects.bulk_create(wanted)

    def _save_ideas(self, challenges: dict, initiatives: dict) -> None:
        for index, row in enumerate(demo.IDEAS):
            # Received over the past months, decided a few days later: the statistics of
            # months and of the time to a decision then read like a real portal's.
            received_at = _at_nine(self.today - timedelta(days=12 + 9 * index))
            decided_at = received_at + timedelta(days=2 + index % 6)
            (
                challenge_slug,
                title,
                text,
                name,
                kind,
                show_name,
                status,
                decline_reason,
                answer,
                initiative_slug,
            ) = row
            email = f"{slugify(name).replace('-', '.')}@example.org" if name else ""
            decided = status != ContributionStatus.PENDING
            idea = self._upsert(
                Contribution,
                {"challenge": challenges[challenge_slug], "title": title},
                text=text,
                name=name,
                email=email,
                kind=kind,
                show_name=show_name,
                consent=True,
                status=status,
                decline_reason=decline_reason,
                public_answer=answer,
                initiative=initiatives[initiative_slug] if initiative_slug else None,
                decided_at=decided_at if decided else None,
            )
            if idea.created_at != received_at:
                # created_at is set on insert (auto_now_add); a queryset update sets it anyway.
                Contribution.objects.filter(pk=idea.pk).update(created_at=received_at)

    def ensure_local_admin(self) -> None:
        """A local superuser for `make run`; only ever with DEBUG on."""
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.say("Local superuser 'admin' exists (DEBUG only).")
            return
        User.objects.create_superuser("admin", "admin@example.org", "admin")
        self.say("Created the local superuser 'admin' with password 'admin' (DEBUG only).")

    # The large synthetic data set -------------------------------------------------------

    def load_large(self, total: int, idea_total: int, rng: random.Random) -> None:
        started = timezone.now()
        words = SyntheticText(rng, self.today)
        department_ids = list(Department.objects.values_list("pk", flat=True))
        partner_ids = list(Partner.objects.values_list("pk", flat=True))
        goal_ids = list(GlobalGoal.objects.values_list("pk", flat=True))
        contact_ids = list(ContactPerson.objects.values_list("pk", flat=True))

        def challenge(i: int) -> Challenge:
            title = words.challenge_title()
            return Challenge(
                slug=f"{BENCH_PREFIX}challenge-{i}",
                title=title,
                summary=words.sentences(2),
                body=words.body(),
                owner_department_id=rng.choice(department_ids),
                contact_id=rng.choice(contact_ids),
                open_until=None if rng.random() < 0.05 else words.day(-200, 200),
                status=Status.PUBLISHED,
                publish_at=words.published(),
            )

        def link_challenges(ids: list[int]) -> None:
            self._link(
                Challenge.goals.through, "challenge_id", "globalgoal_id", ids, goal_ids, rng, 1, 3
            )

        self._top_up(Challenge, "challenge", max(1, total // 10), challenge, link_challenges)

        def method(i: int) -> Method:
            return Method(
                slug=f"{BENCH_PREFIX}method-{i}",
                title=f"{words.pick(words.METHODS)} {i}",
                summary=words.sentences(2),
                body=words.body(),
                kind=rng.choice(Method.Kind.values),
                stage=rng.choice(Method.Stage.values),
                duration=rng.choice(Method.Duration.values),
                status=Status.PUBLISHED,
                publish_at=words.published(),
            )

        self._top_up(Method, "method", max(1, total // 50), method)
        challenge_ids = list(
            Challenge.objects.filter(slug__startswith=BENCH_PREFIX).values_list("pk", flat=True)
        )
        method_ids = list(
            Method.objects.filter(slug__startswith=BENCH_PREFIX).values_list("pk", flat=True)
        )

        def initiative(i: int) -> Initiative:
            phase = rng.choices(Phase.values, weights=[15, 15, 20, 20, 15, 15])[0]
            stopped = phase == Phase.STOPPED
            start = words.day(-3000, -30)
            ended = stopped or (phase == Phase.OPERATION and rng.random() < 0.3)
            item = Initiative(
                slug=f"{BENCH_PREFIX}initiative-{i}",
                title=words.initiative_title(),
                summary=words.sentences(2),
                body=words.body(),
                phase=phase,
                stop_reason=rng.choice(StopReason.values) if stopped else "",
                stop_explanation=words.pick(words.STOP_EXPLANATIONS) if stopped else "",
                lessons_learned=words.lessons() if stopped or rng.random() < 0.2 else "",
                owner_department_id=rng.choice(department_ids),
                contact_id=rng.choice(contact_ids),
                start_date=start,
                end_date=start + timedelta(days=rng.randint(30, 700)) if ended else None,
                status=Status.PUBLISHED,
                publish_at=words.published(),
            )
            if stopped:  # its end date is the day it was stopped, never ahead
                item.end_date = min(item.end_date, words.today)
            return item

        def link_initiatives(ids: list[int]) -> None:
            through = Initiative.departments.through
            self._link(through, "initiative_id", "department_id", ids, department_ids, rng, 0, 2)
            self._link(
                Initiative.partners.through,
                "initiative_id",
                "partner_id",
                ids,
                partner_ids,
                rng,
                0,
                2,
            )
            self._link(
                Initiative.goals.through, "initiative_id", "globalgoal_id", ids, goal_ids, rng, 0, 3
            )
            self._link(
                Initiative.challenges.through,
                "initiative_id",
                "challenge_id",
                ids,
                challenge_ids,
                rng,
                0,
                2,
            )
            self._link(
                Initiative.methods.through, "initiative_id", "method_id", ids, method_ids, rng, 0, 2
            )
            rows = Initiative.objects.filter(pk__in=ids).values_list("pk", "phase", "start_date")
            PhaseChange.objects.bulk_create(
                PhaseChange(initiative_id=pk, date=start, phase=phase, note=words.sentences(1))
                for pk, phase, start in rows
            )

        self._top_up(Initiative, "initiative", total, initiative, link_initiatives)
        if idea_total:
            self._top_up_ideas(idea_total, challenge_ids, words, rng)

        bench = Initiative.objects.filter(slug__startswith=BENCH_PREFIX)
        seconds = (timezone.now() - started).total_seconds()
        self.say(
            f"Benchmark data: {bench.count()} initiatives ({bench.stopped().count()} stopped), "
            f"{len(challenge_ids)} challenges, {len(method_ids)} methods, "
            f"{Contribution.objects.filter(challenge__slug__startswith=BENCH_PREFIX).count()} "
            f"ideas, in {seconds:.0f} s."
        )

    def _top_up(self, model, name: str, total: int, build, link=None, batch_size=2000) -> None:
        """Create the `bench-<name>-<i>` rows missing for i < total, linking each batch."""
        prefix = f"{BENCH_PREFIX}{name}-"
        existing = set(model.objects.filter(slug__startswith=prefix).values_list("slug", flat=True))
        missing = [i for i in range(total) if f"{prefix}{i}" not in existing]
        self._in_batches(model, f"{name}s", missing, total, build, link, batch_size)

    def _in_batches(self, model, label, missing, total, build, link, batch_size) -> None:
        if not missing:
            return
        with tqdm(
            total=total,
            initial=total - len(missing),
            desc=label,
            file=self.stdout,
            disable=not self.verbosity,
            leave=True,
        ) as bar:
            for first in range(0, len(missing), batch_size):
                batch = [build(i) for i in missing[first : first + batch_size]]
                with transaction.atomic():
                    created = model.objects.bulk_create(batch)
                    ids = [obj.pk for obj in created]
                    if link:
                        link(ids)
                bar.update(len(batch))

    @staticmethod
    def _link(through, own, other, ids, choices, rng, least, most) -> None:
        if not choices:
            return
        rows = []
        for pk in ids:
            for value in rng.sample(choices, k=min(len(choices), rng.randint(least, most))):
                rows.append(through(**{own: pk, other: value}))
        through.objects.bulk_create(rows, batch_size=10_000)

    def _top_up_ideas(self, total: int, challenge_ids, words, rng) -> None:
        def reference(i: int) -> str:
            digits = ""
            for _ in range(7):
                i, rest = divmod(i, len(REFERENCE_DIGITS))
                digits = REFERENCE_DIGITS[rest] + digits
            return BENCH_REFERENCE_PREFIX + digits

        existing = set(
            Contribution.objects.filter(
                reference__startswith=BENCH_REFERENCE_PREFIX,
                challenge__slug__startswith=BENCH_PREFIX,
            ).values_list("reference", flat=True)
        )
        missing = [i for i in range(total) if reference(i) not in existing]
        statuses = [
            (ContributionStatus.PENDING, 30),
            (ContributionStatus.PUBLISHED, 50),
            (ContributionStatus.DECLINED, 15),
            (ContributionStatus.SPAM, 5),
        ]

        now = timezone.now()

        def idea(i: int) -> Contribution:
            status = rng.choices([s for s, _ in statuses], weights=[w for _, w in statuses])[0]
            name = words.person()
            # Received at some time of the last two years; decided hours to a month later.
            received = words.published() + timedelta(minutes=rng.randint(0, 10 * 60))
            decided = min(now, received + timedelta(hours=rng.randint(1, 30 * 24)))
            return Contribution(
                reference=reference(i),
                challenge_id=rng.choice(challenge_ids),
                title=words.idea_title(),
                text=words.body(),
                name=name,
                email=f"{slugify(name).replace('-', '.')}.{i}@example.org",
                kind=rng.choice(SubmitterKind.values),
                show_name=rng.random() < 0.5,
                consent=True,
                status=status,
                decline_reason=rng.choice(DeclineReason.values)
                if status == ContributionStatus.DECLINED
                else "",
                public_answer=words.sentences(2)
                if status == ContributionStatus.PUBLISHED and rng.random() < 0.4
                else "",
                created_at=received,
                decided_at=None if status == ContributionStatus.PENDING else decided,
            )

        with _given_receipt_times():
            self._in_batches(Contribution, "ideas", missing, total, idea, None, 2000)
        # bulk_create stamps created_at with the present moment (auto_now_add): a decided
        # idea was received before its decision, a pending one within the last weeks.
        Contribution.objects.filter(decided_at__lt=models.F("created_at")).update(
            created_at=models.F("decided_at") - timedelta(days=4)
        )


class SyntheticText:
    """Swedish-sounding titles and sentences for the benchmark data, from a seeded generator."""

    PLACES = ["Råå", "Ramlösa", "Drottninghög", "Dalhem", "Påarp", "Mörarp", "Rydebäck",
              "Berga", "Fredriksdal", "Högasten", "Stattena", "Tågaborg", "Gantofta",
              "Oceanhamnen", "Söder", "Norr", "Husensjö", "Eneborg", "Hittarp", "Laröd",
              "Kattarp", "Allerum", "Bårslöv", "hela staden"]  # fmt: skip
    THINGS = ["cykelparkering", "hemtjänst", "skolgård", "bibliotek", "dagvatten", "belysning",
              "återbruk", "laddstolpar", "äldreboende", "fritidsgård", "kollektivtrafik",
              "matsvinn", "solceller", "lekplats", "trygghetslarm", "e-tjänster", "stadsodling",
              "sommarjobb", "läxhjälp", "simskola", "elsparkcyklar", "gröna tak", "skyfall",
              "digital delaktighet", "ensamhet"]  # fmt: skip
    KINDS = ["Pilot med", "Smartare", "Digitalt stöd för", "Samskapad", "Hållbar", "Ny modell för",
             "Sensorer för", "Öppna data om", "Testbädd för", "Fler vägar till"]  # fmt: skip
    METHODS = ["Workshop", "Intervjuguide", "Mall för nyttoanalys", "Checklista",
               "Prototyp-kit", "Guide för testbädd", "Kartläggning", "Effektkedja", "Personas",
               "Spridningsplan"]  # fmt: skip
    SENTENCES = [
        "Vi prövar i liten skala innan vi bestämmer oss.",
        "Invånarna har varit med från början.",
        "Flera förvaltningar delar på kostnaden.",
        "Lösningen bygger på öppna standarder.",
        "Uppföljningen görs varje kvartal.",
        "Medarbetarna i verksamheten har formulerat behovet.",
        "Tekniken har prövats i andra kommuner.",
        "Målet är bättre service till lägre kostnad.",
        "Resultaten delas öppet i portföljen.",
        "Projektet samarbetar med Campus Helsingborg.",
        "Vi mäter effekten före och efter.",
        "Behovet har ökat de senaste åren.",
    ]  # fmt: skip
    LESSONS = [
        "Involvera användarna tidigare.",
        "Räkna på driftkostnaden innan pilot.",
        "Bestäm vem som äger lösningen efteråt.",
        "Mät det som spelar roll för invånaren.",
        "Små tester sparar stora pengar.",
        "Avtal om data behövs från början.",
        "Det tog längre tid än planerat att få tillstånd.",
        "Kommunikationen var viktigare än tekniken.",
    ]  # fmt: skip
    STOP_EXPLANATIONS = [
        "Effekten blev mindre än väntat.",
        "Kostnaden blev för hög i förhållande till nyttan.",
        "Leverantören kunde inte leverera.",
        "Behovet försvann när verksamheten ändrades.",
        "Det saknades resurser att driva vidare.",
        "En bättre lösning fanns redan i en annan förvaltning.",
    ]  # fmt: skip
    FIRST = ["Anna", "Erik", "Sara", "Mohammed", "Lena", "Johan", "Fatima", "Lars", "Maja",
             "Ali", "Karin", "Nils", "Elin", "Omar", "Ida", "Per"]  # fmt: skip
    LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Hassan", "Lindberg", "Holm"]  # fmt: skip

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def sentences(self, n: int) -> str:
        return " ".join(self.rng.sample(self.SENTENCES, n))

    def body(self) -> str:
        return f"{self.sentences(3)}\n\n## Bakgrund\n\n{self.sentences(4)}"

    def lessons(self) -> str:
        return "\n".join(f"- {lesson}" for lesson in self.rng.sample(self.LESSONS, 3))

    def challenge_title(self) -> str:
        return f"Hur kan vi förbättra {self.pick(self.THINGS)} i {self.pick(self.PLACES)}?"

    def initiative_title(self) -> str:
        return f"{self.pick(self.KINDS)} {self.pick(self.THINGS)} i {self.pick(self.PLACES)}"

    def idea_title(self) -> str:
        return f"Idé om {self.pick(self.THINGS)} i {self.pick(self.PLACES)}"

    def person(self) -> str:
        return f"{self.pick(self.FIRST)} {self.pick(self.LAST)}"

    def day(self, first: int, last: int) -> date:
        return self.today + timedelta(days=self.rng.randint(first, last))

    def published(self) -> datetime:
        return _at_nine(self.day(-PUBLISH_WINDOW_DAYS, -1))
