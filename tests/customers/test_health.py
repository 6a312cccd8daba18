"""The health-data guard (P5, R4): free text refuses what looks like health information."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from customers import health
from customers.forms import HealthGuardedModelForm
from customers.health import check_no_health_data, find_health_terms
from customers.models import Customer, Interaction


@pytest.mark.parametrize(
    "text",
    [
        "migreeni, ei saa tehdä ylösalaisin-asentoja",
        "Asiakkaalla migreenin takia taukoja",
        "raskaus viikolla 20",
        "on raskaana, kevyempi ohjelma",
        "raskauden loppuvaihe",
        "selkäkipu vaivaa",
        "kertoi selkäkivuista",
        "leikkaus keväällä",
        "polven leikkauksen jälkeen",
        "lääkitys muuttunut",
        "uusi lääke",
        "diagnoosi tulossa",
        "masennus, ole hienovarainen",
        "Masennuksen vuoksi poissa",
        "Pregnant, second trimester",
        "had surgery last month",
        "suffers from migraines",
        "back pain after class",
        "diagnosed with asthma",
        "urheiluvamma polvessa",
        # Inflected and compound Finnish, and phrases (issue 10, section 5).
        "polveni leikattiin",
        "diabeetikko",
        "odottaa vauvaa, rv 20",
        "kärsii päänsärystä",
        "selkävaivoja",
        "ei voi tehdä pitkiä pitoja sydämen takia",
        "on ollut sairauslomalla burnoutin takia",
        "käyttää verenohennuslääkettä",
        "MS‑tauti todettu",  # a non-breaking hyphen, as pasted from a phone
        "Olen viikolla 22, sopiiko tavallinen tunti?",
        "had a knee replacement",
        "takes antidepressants",
        "Knees are bad, uses a bolster",
        "Has the flu, cancelling Thursday",
    ],
)
def test_it_flags_health_information_in_finnish_and_english(text):
    assert find_health_terms(text)
    with pytest.raises(ValidationError):
        check_no_health_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "Haluaa tietoa syksyn kursseista.",
        "Maksoi kymppikortin käteisellä.",
        "Tulee mielellään aamutunneille, painting class interest",
        "Kiitos ihanasta tunnista! Sali oli lämmin.",
        "Sydämellisesti tervetuloa uudelle kaudelle",
        "Muutti Vammalaan, tulee Vammalan ryhmään",
        "Prefers evening classes; spine-friendly mat requested",
        "",
        # False friends (issue 10, section 5).
        "raskausjooga kiinnostaa",
        "Kysyi raskausajan joogakurssista",
        "sairaan hyvä tunti",
        "Työskentelee sairaanhoitajana",
        "Toimii sairaanhoitajana keskussairaalassa",
        "leikkasi hiuksensa",
        "kivikova treeni",
        "Ilmoittautuminen sujui kivuttomasti",
        "Raskas viikko töissä",
        "Kurssi on viikolla 22",
        "Niska-hartiajooga-kurssi alkaa",
        "Interested in the prenatal yoga course",
        "Sick moves in the hip hop class",
        "Works night shifts at the hospital cafe",
        "Asked us to disable the flush reminder",
    ],
)
def test_it_lets_ordinary_customer_notes_through(text):
    assert find_health_terms(text) == []
    check_no_health_data(text)


def test_it_names_each_word_or_phrase_once_in_the_order_of_the_text():
    text = "Migreeni! Selkäkipu ja taas migreeni, rv 20."
    assert find_health_terms(text) == ["migreeni", "selkäkipu", "rv 20"]


def test_it_gives_the_same_answers_from_many_threads_at_once():
    # The stemmer keeps state while it works; each thread must have its own.
    texts = ["Polveni leikattiin", "selkävaivoja", "raskausjooga kiinnostaa"] * 50
    expected = [find_health_terms(text) for text in texts]
    health._stem.cache_clear()  # so that the threads really stem
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(find_health_terms, texts)) == expected


def test_the_user_may_confirm_that_flagged_text_is_not_health_information():
    check_no_health_data("Leikkaus-työpaja (paperinleikkaus) lapsille", confirmed=True)


def test_the_message_is_translated_and_names_the_words():
    with translation.override("fi"), pytest.raises(ValidationError) as e:
        check_no_health_data("migreeni")
    message = e.value.messages[0]
    assert "“migreeni”" in message
    assert "terve" in message.lower()  # Finnish: terveystieto


@pytest.mark.django_db
def test_the_models_own_validation_refuses_health_text_in_every_free_text_field():
    customer = Customer(
        first_name="A", last_name="B", notes="migreeni, ei saa tehdä ylösalaisin-asentoja"
    )
    with pytest.raises(ValidationError) as e:
        customer.full_clean()
    assert "notes" in e.value.message_dict
    interaction = Interaction(
        customer=Customer.objects.create(first_name="C", last_name="D"),
        kind=Interaction.Kind.COMPLAINT,
        subject="Selkäkipu tunnin jälkeen",
        text="Asiakas kertoi olevansa raskaana.",
        resolution="Suositeltiin lääkäriä.",
    )
    with pytest.raises(ValidationError) as e:
        interaction.full_clean()
    assert {"subject", "text", "resolution"} <= set(e.value.message_dict)


@pytest.mark.django_db
def test_a_form_shows_the_confirmation_only_once_the_text_was_flagged_and_honours_it():
    class NotesForm(HealthGuardedModelForm):
        class Meta:
            model = Customer
            fields = ("first_name", "last_name", "notes")

    assert NotesForm().fields["confirm_not_health_data"].widget.is_hidden
    data = {"first_name": "A", "last_name": "B", "notes": "Leikkaus-työpaja kiinnostaa"}
    form = NotesForm(data)
    assert not form.is_valid()
    assert "notes" in form.errors
    assert not form.fields["confirm_not_health_data"].widget.is_hidden
    form = NotesForm({**data, "confirm_not_health_data": "on"})
    assert form.is_valid(), form.errors
    form.save()
    assert Customer.objects.get().notes == "Leikkaus-työpaja kiinnostaa"
