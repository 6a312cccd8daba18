"""Fill an empty register with a small, believable Finnish studio for demos and trying things."""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.models import Course, Customer, Enrollment, Interaction, Purchase

DEFAULT_SEED = 2024
DEFAULT_CUSTOMERS = 50
# Fewer customers than this cannot fill the courses enough to show every status.
MIN_CUSTOMERS = 10

# The studio has more women than men on its courses, as such studios usually do.
WOMEN = (
    "Aino", "Anni", "Eeva", "Elina", "Emma", "Hanna", "Heidi", "Helmi", "Iida", "Jenni",
    "Johanna", "Kaisa", "Katja", "Laura", "Leena", "Maria", "Marjut", "Minna", "Noora",
    "Oona", "Pauliina", "Päivi", "Riikka", "Sanna", "Satu", "Sirpa", "Tiina", "Tuula",
    "Venla", "Veera",
)  # fmt: skip
MEN = (
    "Antti", "Eero", "Juha", "Jukka", "Lauri", "Matti", "Mikko", "Olli", "Pekka", "Sami",
    "Timo", "Tuomas", "Ville",
)  # fmt: skip
LAST_NAMES = (
    "Ahonen", "Heikkilä", "Heikkinen", "Heinonen", "Hiltunen", "Hämäläinen", "Jokinen",
    "Järvinen", "Kallio", "Karjalainen", "Kinnunen", "Korhonen", "Koskinen", "Lahtinen",
    "Laine", "Laitinen", "Lehtinen", "Lehtonen", "Leinonen", "Mattila", "Mäkelä", "Mäkinen",
    "Niemi", "Nieminen", "Pelkonen", "Rantanen", "Saarinen", "Salminen", "Salo", "Salonen",
    "Savolainen", "Tuominen", "Turunen", "Virtanen",
)  # fmt: skip
STREETS = (
    "Hämeenkatu", "Kauppakatu", "Koulukatu", "Rautatienkatu", "Puistokatu", "Kirkkokatu",
    "Torikatu", "Siltakatu", "Rantakatu", "Koivukuja", "Pihlajatie", "Vaahteratie",
    "Mäntytie", "Peltotie",
)  # fmt: skip
# City, its postal codes, and a weight: the studio is in Riihimäki, so most live near it.
CITIES = (
    ("Riihimäki", ("11100", "11120", "11130", "11310"), 10),
    ("Hyvinkää", ("05800", "05830", "05880"), 3),
    ("Hämeenlinna", ("13100", "13130", "13210"), 2),
    ("Helsinki", ("00100", "00250", "00500", "00530"), 2),
    ("Tampere", ("33100", "33200", "33500"), 1),
    ("Joensuu", ("80100", "80110", "80200"), 1),
    ("Lahti", ("15100", "15140"), 1),
)
MOBILE_PREFIXES = ("040", "041", "044", "045", "046", "050")
NOTES = (
    "Toivoo laskut sähköpostiin.",
    "Kiinnostunut aamutunneista.",
    "Tuli ystävän suosittelemana.",
    "Haluaa tiedon uusista tanssikursseista.",
    "Maksaa mieluiten verkkopankissa.",
    "Kysyi parikursseista puolison kanssa.",
)
PRODUCTS = (
    ("Kymmenen kerran kortti", Decimal("150.00")),
    ("Joogamatto", Decimal("39.00")),
    ("Lahjakortti", Decimal("50.00")),
)
DROP_IN = ("Yksittäinen tunti", Decimal("18.00"))


@dataclass(frozen=True)
class CourseSpec:
    name: str
    description: str
    place: str
    capacity: int
    price: Decimal
    # Days from today to the first session (negative: in the past).
    start_in_days: int
    weeks: int
    weekday: int
    at: time
    minutes: int
    # The share of the capacity that is filled: upcoming courses are still filling up.
    fill: tuple[float, float]


COURSES = (
    CourseSpec(
        "Lavatanssit",
        "Valssi, humppa ja tango tutuiksi kahdeksalla kerralla. "
        "Voit tulla yksin tai parin kanssa.",
        "Sali 1", 20, Decimal("95.00"), -420, 8, 2, time(19, 0), 90, (0.7, 0.95),
    ),
    CourseSpec(
        "Hatha-jooga alkeet",
        "Rauhallinen alkeiskurssi: perusasanat, hengitys ja rentoutus.",
        "Sali 2", 14, Decimal("120.00"), -230, 8, 0, time(18, 0), 75, (0.8, 1.0),
    ),
    CourseSpec(
        "Pilates",
        "Keskivartalon hallintaa ja liikkuvuutta matolla, kaikille tasoille.",
        "Sali 2", 12, Decimal("110.00"), -120, 10, 1, time(17, 30), 60, (0.8, 1.0),
    ),
    # Running now, and full, so that the demo shows a course with no seats left.
    CourseSpec(
        "Yin-jooga",
        "Pitkät, rauhalliset asennot ja hiljentyminen viikon päätteeksi.",
        "Sali 2", 12, Decimal("99.00"), -21, 8, 4, time(18, 30), 75, (1.0, 1.0),
    ),
    CourseSpec(
        "Rentoutumisen iltakurssi",
        "Hengitysharjoituksia ja ohjattua rentoutusta arki-iltaan.",
        "Sali 1", 16, Decimal("65.00"), 12, 4, 3, time(19, 30), 60, (0.4, 0.7),
    ),
    CourseSpec(
        "Lasten tanssi",
        "Leikkiä, rytmiä ja liikettä 5–8-vuotiaille. Huoltaja ilmoittaa lapsen.",
        "Peilisali", 10, Decimal("85.00"), 33, 10, 5, time(10, 0), 45, (0.4, 0.7),
    ),
)  # fmt: skip

FEEDBACK = (
    ("Kiitos kurssista", "{course} oli juuri sopivan rauhallinen, ja ohjaaja neuvoi "
     "liikkeet hyvin. Tulen mielelläni jatkokurssille."),
    ("Ihana tunnelma", "Ryhmä oli mukava ja tunnelma lämmin. {course} jäi hyvälle mielelle."),
    ("Palautetta kurssista", "Tunnit olivat hyvin suunniteltuja. Toivoisin, että sali "
     "avattaisiin vähän aikaisemmin."),
    ("Kiitos ohjaajalle", "Ohjaaja muisti kaikkien nimet jo toisella kerralla. Kiitos!"),
    ("Toive aikataulusta", "{course} oli hyvä, mutta aamutunti sopisi minulle iltaa paremmin. "
     "Onko sellaista tulossa?"),
    ("Hyvä kurssi", "Sopivan haastava, ja musiikki oli mukavaa."),
    ("Jatkoa toivotaan", "Olisiko kevääksi tulossa jatkoryhmä? {course} jäi kesken "
     "parhaassa vaiheessa."),
    ("Palautetta salista", "Sali on valoisa ja siisti. Pukuhuoneeseen kaipaisin lisää "
     "naulakoita."),
)  # fmt: skip
# How a first contact went: channel, subject, the customer's words, and the studio's answer
# (none for a call, which is answered there and then).
INQUIRIES = (
    (Interaction.Kind.EMAIL, "Kysymys kursseista",
     "Onko syksyllä tulossa joogan alkeiskurssia? Haluaisin ilmoittautua.",
     "Kiitos viestistä! Hatha-joogan alkeiskurssi alkaa taas syksyllä. Kurssikalenteri on "
     "verkkosivuillamme, ja ilmoittautuminen avataan kuusi viikkoa ennen alkua."),
    (Interaction.Kind.EMAIL, "Kurssimaksu", "Voiko kurssimaksun maksaa kahdessa erässä?",
     "Kiitos kysymyksestä! Kurssimaksun voi maksaa kahdessa erässä; toinen lasku lähtee "
     "kuukauden kuluttua ensimmäisestä."),
    (Interaction.Kind.CALL, "Kysyi lahjakortista",
     "Asiakas kysyi, voiko kurssin antaa lahjaksi. Kerrottiin lahjakorteista.", ""),
    (Interaction.Kind.CALL, "Kysyi pysäköinnistä",
     "Asiakas kysyi, missä voi pysäköidä. Neuvottiin pihan vieraspaikat.", ""),
    (Interaction.Kind.SMS, "", "Onko teillä tanssikursseja aikuisille?",
     "Hei! On: lavatanssikurssi alkaa syksyllä. Lisätiedot verkkosivuiltamme."),
)  # fmt: skip
CANCELLATIONS = (
    (Interaction.Kind.CALL, "Asiakas perui ilmoittautumisensa, koska aikataulu ei sovi."),
    (Interaction.Kind.EMAIL, "Haluan perua ilmoittautumiseni, aikataulu ei valitettavasti sovi."),
)


def ascii_slug(text: str) -> str:
    """'Hämäläinen' -> 'hamalainen', for email addresses."""
    table = str.maketrans({"ä": "a", "ö": "o", "å": "a", " ": "", "-": ""})
    return text.lower().translate(table)


class Studio:
    """Builds the demo studio; one instance per run, driven by one seeded random source."""

    def __init__(self, rng: random.Random, customer_count: int) -> None:
        self.rng = rng
        self.customer_count = customer_count
        # Whole minutes, so that the data does not look machine-made.
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.today = timezone.localdate(self.now)
        self.courses: list[Course] = []
        self.customers: list[Customer] = []
        self.enrollments: list[Enrollment] = []
        self.purchases: list[Purchase] = []
        self.interactions: list[Interaction] = []

    # Helpers

    def at(self, day: date, clock: time) -> datetime:
        return timezone.make_aware(datetime.combine(day, clock))

    def between(self, start: datetime, end: datetime) -> datetime:
        """A moment in [start, end] in the daytime, in whole minutes; `start` if none is."""
        if end <= start:
            return start
        first, last = timezone.localdate(start), timezone.localdate(end)
        day = first + timedelta(days=self.rng.randint(0, (last - first).days))
        # People enrol, cancel and write in the daytime, not at three in the morning.
        moment = self.at(day, time(self.rng.randint(8, 21), self.rng.randint(0, 59)))
        return min(max(moment, start), end)

    def not_future(self, moment: datetime) -> datetime:
        # Activity in the future would move last_activity_at past today.
        return min(moment, self.now - timedelta(minutes=5))

    @staticmethod
    def reachable(customer: Customer, options: tuple[tuple[Any, ...], ...]) -> list[Any]:
        """The options (kind first) that fit: no text messages or calls without a phone."""
        phoneless = (Interaction.Kind.SMS, Interaction.Kind.CALL)
        return [o for o in options if customer.phone or o[0] not in phoneless]

    # Courses

    def make_courses(self) -> None:
        for spec in COURSES:
            first = self.today + timedelta(days=spec.start_in_days)
            first += timedelta(days=(spec.weekday - first.weekday()) % 7)
            last = first + timedelta(weeks=spec.weeks - 1)
            course = Course(
                name=spec.name,
                description=spec.description,
                starts_at=self.at(first, spec.at),
                ends_at=self.at(last, spec.at) + timedelta(minutes=spec.minutes),
                place=spec.place,
                capacity=spec.capacity,
                price=spec.price,
            )
            course.full_clean()
            course.save()
            self.courses.append(course)

    # Customers

    def make_customers(self) -> None:
        emails: set[str] = set()
        phones: set[str] = set()
        origins = list(Customer.Origin)
        first_seen = sorted(
            self.now - timedelta(days=self.rng.uniform(2, 730)) for _ in range(self.customer_count)
        )
        for index, created in enumerate(first_seen):
            # Sign-ups happen in the studio's opening hours, local time.
            created = timezone.localtime(created).replace(
                hour=self.rng.randint(8, 20),
                minute=self.rng.randint(0, 59),
                second=0,
                microsecond=0,
            )
            first = self.rng.choice(WOMEN if self.rng.random() < 0.78 else MEN)
            last = self.rng.choice(LAST_NAMES)
            # Every origin appears at least once; after that, the usual mix.
            origin = (
                origins[index]
                if index < len(origins)
                else self.rng.choices(origins, weights=(3, 4, 6, 2, 3, 2))[0]
            )
            customer = Customer(
                first_name=first,
                last_name=last,
                email=self.email(first, last, emails),
                phone=self.phone(phones) if self.rng.random() < 0.8 else "",
                origin=origin,
                notes=self.rng.choice(NOTES) if self.rng.random() < 0.2 else "",
                created_at=created,
                # The model's default is "now"; a backdated customer starts from creation.
                last_activity_at=created,
            )
            # Web sign-ups often leave the postal address out.
            if origin != Customer.Origin.WEB_REGISTRATION or self.rng.random() < 0.3:
                self.address(customer)
            customer.full_clean()
            customer.save()
            self.customers.append(customer)

    def email(self, first: str, last: str, taken: set[str]) -> str:
        domain = "example.fi" if self.rng.random() < 0.7 else "example.com"
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        email, n = f"{local}@{domain}", 1
        while email in taken:
            n += 1
            email = f"{local}{n}@{domain}"
        taken.add(email)
        return email

    def phone(self, taken: set[str]) -> str:
        """A mobile number typed the way people type them; the model stores E.164."""
        while True:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            digits = "".join(str(self.rng.randint(0, 9)) for _ in range(7))
            if prefix + digits not in taken:
                taken.add(prefix + digits)
                break
        style = self.rng.randrange(5)
        if style == 0:
            return f"{prefix} {digits[:3]} {digits[3:]}"
        if style == 1:
            return f"{prefix}-{digits}"
        if style == 2:
            return f"{prefix}{digits}"
        if style == 3:
            return f"+358 {prefix[1:]} {digits[:3]} {digits[3:]}"
        return f"{prefix} {digits[:3]} {digits[3:5]} {digits[5:]}"

    def address(self, customer: Customer) -> None:
        city, codes, _ = self.rng.choices(CITIES, weights=[w for *_, w in CITIES])[0]
        number = self.rng.randint(1, 60)
        flat = (
            f" {self.rng.choice('ABC')} {self.rng.randint(1, 30)}"
            if self.rng.random() < 0.5
            else ""
        )
        customer.street_address = f"{self.rng.choice(STREETS)} {number}{flat}"
        customer.postal_code = self.rng.choice(codes)
        customer.city = city

    # Enrolments and their purchases

    def make_enrollments(self) -> None:
        planned: list[Enrollment] = []
        for spec, course in zip(COURSES, self.courses, strict=True):
            opens = course.starts_at - timedelta(weeks=6)
            closes = min(course.starts_at, self.now) - timedelta(hours=1)
            eligible = [c for c in self.customers if c.created_at < closes - timedelta(hours=1)]
            self.rng.shuffle(eligible)
            # Every course has a cancellation or two, even when customers are few.
            cancelled = min(self.rng.randint(1, 2), len(eligible))
            wanted = round(course.capacity * self.rng.uniform(*spec.fill))
            active = min(wanted, len(eligible) - cancelled)
            finished = course.ends_at < self.now
            for number, customer in enumerate(eligible[: active + cancelled]):
                enrolled = self.between(
                    max(opens, customer.created_at + timedelta(hours=1)), closes
                )
                enrollment = Enrollment(customer=customer, course=course, enrolled_at=enrolled)
                if number >= active:
                    enrollment.status = Enrollment.Status.CANCELLED
                    # Usually a while after enrolling, when plans change.
                    enrollment.cancelled_at = self.between(
                        min(enrolled + timedelta(days=1), closes), closes
                    )
                elif finished and self.rng.random() < 0.88:
                    enrollment.status = Enrollment.Status.ATTENDED
                planned.append(enrollment)
        # Saved in time order, so that the ids and the references read chronologically.
        for enrollment in sorted(planned, key=lambda e: e.enrolled_at):
            enrollment.full_clean()
            enrollment.save()
            self.enrollments.append(enrollment)

    def make_purchases(self) -> None:
        planned: list[Purchase] = []
        undone = 0
        for enrollment in self.enrollments:
            course = enrollment.course
            upcoming = course.starts_at > self.now
            # Some of the upcoming courses' invoices are not paid yet.
            if (
                upcoming
                and enrollment.status != Enrollment.Status.CANCELLED
                and self.rng.random() < 0.25
            ):
                continue
            purchase = Purchase(
                customer=enrollment.customer,
                course=course,
                description=f"{course.name}, kurssimaksu",
                amount=course.price,
                purchased_on=timezone.localdate(enrollment.enrolled_at),
            )
            if enrollment.status == Enrollment.Status.CANCELLED:
                # Alternate, so that both kinds of undoing appear in the demo.
                purchase.status = (Purchase.Status.CANCELLED, Purchase.Status.REFUNDED)[undone % 2]
                purchase.cancelled_on = timezone.localdate(enrollment.cancelled_at)
                undone += 1
            planned.append(purchase)
        # Walk-in customers start with a purchase of their own, not a course.
        for customer in self.customers:
            if customer.origin == Customer.Origin.PURCHASE:
                description, amount = self.rng.choice(PRODUCTS)
            elif customer.origin == Customer.Origin.BOOKING_CALENDAR:
                description, amount = DROP_IN
            else:
                continue
            planned.append(
                Purchase(
                    customer=customer,
                    description=description,
                    amount=amount,
                    purchased_on=timezone.localdate(customer.created_at),
                )
            )
        planned.sort(key=lambda p: p.purchased_on)
        numbers: dict[int, int] = {}
        for purchase in planned:
            year = purchase.purchased_on.year
            numbers[year] = numbers.get(year, 0) + 1
            purchase.reference = f"K-{year}-{numbers[year]:04d}"
            purchase.full_clean()
            purchase.save()
            self.purchases.append(purchase)

    # Interactions

    def make_interactions(self) -> None:
        planned: list[Interaction] = []
        kinds = Interaction.Kind
        out, inc = Interaction.Direction.OUTGOING, Interaction.Direction.INCOMING

        def add(
            customer: Customer,
            kind: str,
            direction: str,
            when: datetime,
            subject: str,
            text: str,
            **extra: Any,
        ) -> Interaction:
            when = self.not_future(max(when, customer.created_at + timedelta(minutes=1)))
            item = Interaction(
                customer=customer,
                kind=kind,
                direction=direction,
                occurred_at=when,
                subject=subject,
                text=text,
                **extra,
            )
            planned.append(item)
            return item

        attended = [e for e in self.enrollments if e.status == Enrollment.Status.ATTENDED]
        # Each message once, so that the feedback does not read like a template.
        feedback = self.rng.sample(FEEDBACK, len(FEEDBACK))
        for enrollment, (subject, text) in zip(
            self.rng.sample(attended, min(len(feedback), len(attended))), feedback, strict=False
        ):
            ends = enrollment.course.ends_at
            when = self.between(ends + timedelta(hours=12), ends + timedelta(days=5))
            add(
                enrollment.customer,
                kinds.FEEDBACK,
                inc,
                when,
                subject,
                text.format(course=enrollment.course.name),
            )

        active = [e for e in self.enrollments if e.status != Enrollment.Status.CANCELLED]
        for enrollment in self.rng.sample(active, min(6, len(active))):
            course = enrollment.course
            local = timezone.localtime(course.starts_at)
            add(
                enrollment.customer,
                kinds.EMAIL,
                out,
                enrollment.enrolled_at + timedelta(minutes=self.rng.randint(5, 180)),
                "Vahvistus ilmoittautumisesta",
                f"Kiitos ilmoittautumisesta! {course.name} alkaa {local:%d.%m.%Y} klo "
                f"{local:%H.%M}, {course.place}. Ota mukaan juomapullo ja mukavat vaatteet.",
            )

        # A reminder before the first session, for courses that have started.
        started = [e for e in active if e.course.starts_at < self.now and e.customer.phone]
        for enrollment in self.rng.sample(started, min(4, len(started))):
            course = enrollment.course
            add(
                enrollment.customer,
                kinds.SMS,
                out,
                course.starts_at - timedelta(hours=5),
                "Muistutus",
                f"Muistutus: {course.name} tänään klo "
                f"{timezone.localtime(course.starts_at):%H.%M}, {course.place}. Tervetuloa!",
            )

        undone = {
            (p.customer_id, p.course_id): p.status
            for p in self.purchases
            if p.status != Purchase.Status.PAID
        }
        cancellations = [e for e in self.enrollments if e.status == Enrollment.Status.CANCELLED]
        for number, enrollment in enumerate(cancellations):
            customer = enrollment.customer
            when = enrollment.cancelled_at or enrollment.enrolled_at
            # Taking turns, so that both channels appear even in a small demo.
            options = self.reachable(customer, CANCELLATIONS)
            how, text = options[number % len(options)]
            add(
                customer,
                how,
                inc,
                when,
                f"Peruutus: {enrollment.course.name}",
                text,
            )
            text = "Peruutuksesi on vastaanotettu."
            if undone.get((customer.pk, enrollment.course_id)) == Purchase.Status.REFUNDED:
                text += " Kurssimaksu palautetaan tilillesi viikon kuluessa."
            how = kinds.SMS if customer.phone else kinds.EMAIL
            add(customer, how, out, when + timedelta(minutes=15), "Peruutus vahvistettu", text)

        for customer in [c for c in self.customers if c.origin == Customer.Origin.INQUIRY]:
            how, subject, text, reply = self.rng.choice(self.reachable(customer, INQUIRIES))
            asked = add(customer, how, inc, customer.created_at, subject, text)
            if reply:
                answered = self.between(
                    asked.occurred_at + timedelta(hours=1), asked.occurred_at + timedelta(days=1)
                )
                add(customer, how, out, answered, f"Re: {subject}" if subject else "", reply)

        self.complaints(add, active)

        # On a full course, a freed seat is offered by phone to someone who asked about it.
        taken = Counter(e.course_id for e in active)
        full = {c.pk for c in self.courses if taken[c.pk] >= c.capacity}
        for cancelled in [
            e
            for e in self.enrollments
            if e.status == Enrollment.Status.CANCELLED and e.course_id in full
        ]:
            later = [
                e
                for e in active
                if e.course_id == cancelled.course_id
                and cancelled.cancelled_at is not None
                and e.enrolled_at > cancelled.cancelled_at + timedelta(hours=2)
                and e.customer.phone
            ]
            if later:
                taker = later[0]
                add(
                    taker.customer,
                    kinds.CALL,
                    out,
                    taker.enrolled_at - timedelta(hours=1),
                    "Paikka vapautui",
                    f"Kerrottiin, että kurssilta {taker.course.name} vapautui paikka. "
                    "Asiakas ilmoittautui samana päivänä.",
                )

        # A few everyday messages from people on the running course.
        running = [
            e
            for e in active
            if e.course.starts_at < self.now < e.course.ends_at and e.customer.phone
        ]
        for enrollment, (how, text) in zip(
            self.rng.sample(running, min(3, len(running))),
            (
                (kinds.SMS, "Myöhästyn tänään noin kymmenen minuuttia, aloittakaa ilman minua."),
                (kinds.CALL, "Kysyi, voiko väliin jääneen kerran korvata toisella tunnilla."),
                (kinds.SMS, "Unohdin huivini saliin, otatteko sen talteen?"),
            ),
            strict=False,
        ):
            add(
                enrollment.customer,
                how,
                inc,
                self.between(enrollment.course.starts_at, self.now),
                "",
                text,
            )

        for item in sorted(planned, key=lambda i: i.occurred_at):
            item.full_clean()
            item.save()
            self.interactions.append(item)

    def complaints(self, add: Callable[..., Interaction], active: list[Enrollment]) -> None:
        """Two resolved complaints about past courses and one still open about the running one."""
        kind, inc = Interaction.Kind.COMPLAINT, Interaction.Direction.INCOMING
        past = [e for e in active if e.course.ends_at < self.now]
        if len(past) < 2:
            past = active
        now_on = [e for e in active if e.course.starts_at < self.now < e.course.ends_at]
        # The second one is settled by phone, so it goes to someone with a phone.
        second = self.rng.choice([e for e in past if e.customer.phone] or past)
        first = self.rng.choice([e for e in past if e is not second])
        when = first.enrolled_at + timedelta(days=2)
        add(
            first.customer,
            kind,
            inc,
            when,
            "Kaksi laskua samasta kurssista",
            f"Sain kurssista {first.course.name} kaksi laskua, vaikka maksoin jo verkossa.",
            resolution="Toinen lasku mitätöitiin, ja asiakkaalle lähetettiin pahoittelu.",
            resolved_at=self.not_future(when + timedelta(days=1, hours=3)),
        )
        when = second.course.starts_at + timedelta(weeks=2, minutes=30)
        complaint = add(
            second.customer,
            kind,
            inc,
            when,
            "Tunti alkoi myöhässä",
            "Tunti alkoi vartin myöhässä, eikä siitä kerrottu etukäteen.",
            resolution="Pahoittelimme puhelimessa ja tarjosimme yhden maksuttoman tunnin.",
            resolved_at=self.not_future(when + timedelta(days=2)),
        )
        if second.customer.phone and complaint.resolved_at is not None:
            add(
                second.customer,
                Interaction.Kind.CALL,
                Interaction.Direction.OUTGOING,
                complaint.resolved_at - timedelta(minutes=10),
                "Tunti alkoi myöhässä",
                "Soitettiin ja pahoiteltiin myöhäistä alkua. Asiakas sai yhden maksuttoman tunnin.",
            )
        third = self.rng.choice(now_on or past)
        add(
            third.customer,
            kind,
            inc,
            self.between(self.now - timedelta(days=4), self.now - timedelta(hours=2)),
            "Sali oli kylmä",
            "Salin lämpötila oli kahdella viime kerralla liian matala. Toivon, että asia "
            "korjataan ennen seuraavaa tuntia.",
        )


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _(
            "Fill an EMPTY register with a small demo studio: courses, customers, enrolments, "
            "purchases and interactions. Does nothing when there are customers or courses "
            "already."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("The random seed; the same seed makes the same studio. Default: %(seed)s.")
            % {"seed": DEFAULT_SEED},
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=_("How many customers (at least %(min)s). Default: %(default)s.")
            % {"min": MIN_CUSTOMERS, "default": DEFAULT_CUSTOMERS},
        )

    def handle(self, *args: Any, seed: int, customers: int, **options: Any) -> None:
        if customers < MIN_CUSTOMERS:
            raise CommandError(_("--customers must be at least %(min)s.") % {"min": MIN_CUSTOMERS})
        # Called unattended from `make run DEMO=1`: never touch real data, never fail.
        if Customer.objects.exists() or Course.objects.exists():
            self.stdout.write(
                _(
                    "The register already has customers or courses; the demo studio was not "
                    "created and nothing was changed."
                )
            )
            return
        studio = Studio(random.Random(seed), customers)
        with transaction.atomic():
            studio.make_courses()
            studio.make_customers()
            studio.make_enrollments()
            studio.make_purchases()
            studio.make_interactions()
        made = [
            ngettext("%(count)s course", "%(count)s courses", len(studio.courses)),
            ngettext("%(count)s customer", "%(count)s customers", len(studio.customers)),
            ngettext("%(count)s enrolment", "%(count)s enrolments", len(studio.enrollments)),
            ngettext("%(count)s purchase", "%(count)s purchases", len(studio.purchases)),
            ngettext("%(count)s interaction", "%(count)s interactions", len(studio.interactions)),
        ]
        counts = [
            len(studio.courses),
            len(studio.customers),
            len(studio.enrollments),
            len(studio.purchases),
            len(studio.interactions),
        ]
        self.stdout.write(
            _("Demo studio created: %(made)s.")
            % {"made": ", ".join(text % {"count": n} for text, n in zip(made, counts, strict=True))}
        )
