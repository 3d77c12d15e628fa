"""Demo organisation: a fictional Dutch bank, written in the project's own words (Dutch and English)."""

DEMO_PASSWORD = "demo-nineplus-2026"  # shown by the quick start; demo only


def _t(nl, en):
    """A translatable text: Dutch and English."""
    return {"nl": nl, "en": en}


ORGANISATION = {"name": "Polderbank", "slug": "demo-bank", "locale": "nl", "timezone": "Europe/Amsterdam"}

TEAMS = [
    {
        "key": "contact_centre",
        "name": "Klantcontactcentrum",
        "description": _t(
            "Beantwoordt telefoon, chat en e-mail van particuliere klanten, ook via het gratis 0800-nummer.",
            "Answers phone, chat and e-mail from retail customers, including the free 0800 number.",
        ),
    },
    {
        "key": "mortgage_advice",
        "name": "Hypotheekadvies",
        "description": _t(
            "Hypotheekadviseurs die klanten op kantoor of via video begeleiden, van de eerste oriëntatie tot de ondertekening.",
            "Mortgage advisers who guide customers in the branch or by video, from first orientation to signing.",
        ),
    },
    {
        "key": "branches",
        "name": "Kantorennet",
        "description": _t(
            "De regionale kantoren: ontvangst, inloopbalie en spreekkamers voor adviesgesprekken.",
            "The regional branches: reception, walk-in desk and meeting rooms for advice conversations.",
        ),
    },
    {
        "key": "mortgage_processing",
        "name": "Hypotheekverwerking",
        "description": _t(
            "Backoffice die aanvragen controleert, offertes opmaakt en de overdracht bij de notaris regelt.",
            "Back office that checks applications, prepares offers and arranges the transfer at the notary.",
        ),
    },
    {
        "key": "complaints",
        "name": "Klachtenservice",
        "description": _t(
            "Behandelt klachten en bezwaren en zorgt ervoor dat wat beloofd is ook gebeurt.",
            "Handles complaints and appeals and makes sure that what was promised actually happens.",
        ),
    },
    {
        "key": "claims",
        "name": "Schadeafhandeling",
        "description": _t(
            "Behandelt schademeldingen op de autoverzekering, van de eerste melding tot de uitbetaling.",
            "Handles car-insurance claims, from the first report to the payment.",
        ),
    },
]

USERS = [
    {
        "email": "admin@polderbank.example",
        "name": "Sanne de Vries",
        "role": "admin",
        "locale": "nl",
        "teams": [],
    },
    {
        "email": "marloes.bakker@polderbank.example",
        "name": "Marloes Bakker",
        "role": "cx_lead",
        "locale": "nl",
        "teams": [],
    },
    {
        "email": "ruben.jansen@polderbank.example",
        "name": "Ruben Jansen",
        "role": "team_lead",
        "locale": "nl",
        "teams": ["contact_centre"],
    },
    {
        "email": "ayse.demir@polderbank.example",
        "name": "Ayşe Demir",
        "role": "team_lead",
        "locale": "nl",
        "teams": ["mortgage_advice", "branches"],
    },
    {
        "email": "pieter.visser@polderbank.example",
        "name": "Pieter Visser",
        "role": "team_lead",
        "locale": "en",
        "teams": ["claims", "complaints"],
    },
    {
        "email": "fatima.elamrani@polderbank.example",
        "name": "Fatima El Amrani",
        "role": "team_member",
        "locale": "nl",
        "teams": ["contact_centre"],
    },
    {
        "email": "daan.mulder@polderbank.example",
        "name": "Daan Mulder",
        "role": "team_member",
        "locale": "nl",
        "teams": ["mortgage_advice"],
    },
    {
        "email": "lotte.smit@polderbank.example",
        "name": "Lotte Smit",
        "role": "team_member",
        "locale": "en",
        "teams": ["mortgage_processing"],
    },
    {
        "email": "hendrik.vandijk@polderbank.example",
        "name": "Hendrik van Dijk",
        "role": "viewer",
        "locale": "nl",
        "teams": [],
    },
]

EXPERIENCE_VALUES = [
    {
        "name": _t("Helder", "Clear"),
        "description": _t(
            "De klant weet altijd waar hij of zij staat, wat de volgende stap is en wanneer die komt.",
            "Customers always know where they stand, what happens next and when.",
        ),
    },
    {
        "name": _t("Persoonlijk", "Personal"),
        "description": _t(
            "We kennen het verhaal achter elke klant en behandelen ieder als mens, niet als dossiernummer.",
            "We know the story behind each customer and treat everyone as a person, not a file number.",
        ),
    },
    {
        "name": _t("Betrouwbaar", "Reliable"),
        "description": _t(
            "Wat we toezeggen, doen we; lukt dat niet, dan melden we het zelf en op tijd.",
            "We do what we promise; if we cannot, we say so ourselves, and in good time.",
        ),
    },
    {
        "name": _t("Moeiteloos", "Effortless"),
        "description": _t(
            "De klant hoeft niets twee keer te vertellen of twee keer aan te leveren.",
            "Customers never have to tell us or send us anything twice.",
        ),
    },
    {
        "name": _t("Meelevend", "Empathetic"),
        "description": _t(
            "We erkennen wat er voor de klant op het spel staat, zeker bij een eerste huis of na een ongeluk.",
            "We recognise what is at stake for the customer, especially with a first home or after an accident.",
        ),
    },
]

CUSTOM_CHANNELS = [
    {
        "key": "video_consult",
        "name": _t("Videogesprek in de Polderbank-app", "Video consultation in the Polderbank app"),
    },
    {"key": "notary", "name": _t("Via de notaris", "Via the notary")},
]

_CONTACT_AGENT = _t("medewerker klantcontactcentrum", "contact centre agent")
_ADVISER = _t("hypotheekadviseur", "mortgage adviser")
_PROCESSING = _t("medewerker hypotheekverwerking", "mortgage processing officer")
_COMPLAINTS = _t("klachtbehandelaar", "complaints handler")
_CLAIMS = _t("schadebehandelaar", "claims handler")
_NOBODY = _t("", "")


def _moment(
    key,
    name,
    description,
    channel,
    team,
    role_label,
    predictability,
    service_guideline,
    kind="standard",
    contact="touchpoint",
):
    return {
        "key": key,
        "name": name,
        "description": description,
        "channel": channel,
        "team": team,
        "role_label": dict(role_label),
        "predictability": predictability,
        "kind": kind,
        "contact": contact,
        "service_guideline": service_guideline,
    }


def _entry(wanted, today, feeling_today, quality_view, expected_emotion):
    return {
        "wanted": wanted,
        "today": today,
        "feeling_today": feeling_today,
        "quality_view": quality_view,
        "expected_emotion": expected_emotion,
    }


# ---------------------------------------------------------------------------------------------
# Journey 1: taking out a mortgage (first home, positive start feeling)
# ---------------------------------------------------------------------------------------------

MORTGAGE_MOMENTS = [
    _moment(
        "info_call",
        _t("Informatie vragen via 0800", "Asking for information (0800)"),
        _t(
            "De klant belt het gratis 0800-nummer met algemene vragen: hoeveel kan ik lenen, welke hypotheekvormen zijn er, "
            "heb ik een afspraak nodig? Lastige vragen gaan met een korte overdracht door naar een adviseur.",
            "The customer calls the free 0800 number with general questions: how much can I borrow, which mortgage types "
            "are there, do I need an appointment? Harder questions go to an adviser with a short handover.",
        ),
        "phone",
        "contact_centre",
        _CONTACT_AGENT,
        "faq",
        _t(
            "De klant merkt interesse en geduld: de medewerker vraagt naar de plannen en benoemt dat een eerste huis spannend is. "
            "Bij doorverbinden hoeft de klant niets te herhalen, en het keuzemenu heeft hooguit twee stappen.",
            "The customer notices interest and patience: the agent asks about their plans and acknowledges that a first home "
            "is a big step. When transferred, the customer repeats nothing, and the phone menu has at most two steps.",
        ),
    ),
    _moment(
        "appointment_call",
        _t("Afspraak met adviseur plannen", "Booking an adviser appointment"),
        _t(
            "De klant belt opnieuw om een oriëntatiegesprek met een hypotheekadviseur in te plannen, op kantoor of via video.",
            "The customer calls again to book an orientation meeting with a mortgage adviser, in a branch or by video.",
        ),
        "phone",
        "contact_centre",
        _CONTACT_AGENT,
        "scripted",
        _t(
            "In één gesprek staat de afspraak vast, op een moment dat de klant uitkomt, ook 's avonds. Direct daarna volgt een "
            "bevestiging per e-mail met de naam van de adviseur en een korte lijst van wat de klant meeneemt.",
            "The appointment is settled in a single call, at a time that suits the customer, evenings included. A confirmation "
            "e-mail follows straight away with the adviser's name and a short list of what to bring.",
        ),
    ),
    _moment(
        "advice_visit",
        _t("Oriëntatiegesprek op kantoor", "Orientation meeting at the branch"),
        _t(
            "Op kantoor bespreekt de klant met de adviseur de wensen en mogelijkheden en krijgt een eerste indicatie van de "
            "leenruimte.",
            "At the branch the customer talks through wishes and options with the adviser and gets a first indication of how "
            "much they can borrow.",
        ),
        "visit",
        "mortgage_advice",
        _ADVISER,
        "variable",
        _t(
            "De adviseur neemt de tijd, legt uit zonder vakjargon en maakt samen met de klant een planning met data. De "
            "spreekkamer is rustig en privé; de klant gaat naar huis met een samenvatting op papier of in de app.",
            "The adviser takes time, explains without jargon and draws up a timeline with dates together with the customer. "
            "The meeting room is quiet and private; the customer leaves with a written summary on paper or in the app.",
        ),
    ),
    _moment(
        "documents_upload",
        _t("Documenten aanleveren", "Sending in documents"),
        _t(
            "De klant uploadt loonstrook, werkgeversverklaring, koopovereenkomst en identiteitsbewijs in de app, zodat de bank "
            "de aanvraag kan beoordelen.",
            "The customer uploads payslip, employer's statement, purchase agreement and ID in the app so the bank can assess "
            "the application.",
        ),
        "app",
        "mortgage_processing",
        _PROCESSING,
        "scripted",
        _t(
            "Een checklist in de app toont per document wat er nodig is en wat al binnen is. Ontbreekt er iets, dan hoort de "
            "klant dat binnen twee werkdagen, in één bericht en niet stukje voor stukje.",
            "An in-app checklist shows, for each document, what is needed and what has arrived. If something is missing, the "
            "customer hears within two working days, in one message rather than piece by piece.",
        ),
    ),
    _moment(
        "waiting_offer",
        _t("Wachten op de offerte", "Waiting for the offer"),
        _t(
            "De afgesproken termijn is voorbij, maar er is nog geen offerte en niemand van de bank heeft iets laten horen. De "
            "klant vraagt zich af of de aanvraag wel loopt en of de datum van het financieringsvoorbehoud gehaald wordt.",
            "The agreed period has passed, yet there is no offer and nobody from the bank has been in touch. The customer "
            "wonders whether the application is moving at all and whether the mortgage condition deadline will be met.",
        ),
        None,
        None,
        _NOBODY,
        "variable",
        _t(
            "Stilte bestaat niet: de klant ziet in de app de status van de aanvraag en krijgt ongevraagd bericht bij elke stap, "
            "en minstens elke vijf werkdagen. De deadline van het financieringsvoorbehoud staat bij de bank én de klant in beeld.",
            "Silence is not an option: the customer sees the application status in the app and gets an unprompted update at "
            "every step, and at least every five working days. The mortgage condition deadline is visible to bank and customer.",
        ),
        contact="customer_only",
    ),
    _moment(
        "delay_notice",
        _t("Bank meldt vertraging", "Bank announces a delay"),
        _t(
            "Het opstellen van de offerte duurt langer dan afgesproken, bijvoorbeeld door drukte of een ontbrekend "
            "taxatierapport. De bank belt de klant om dat te melden.",
            "Preparing the offer takes longer than agreed, for instance in a busy period or because the valuation report is "
            "missing. The bank calls the customer to say so.",
        ),
        "phone",
        "mortgage_processing",
        _PROCESSING,
        "variable",
        _t(
            "De klant hoort het van ons, vóór de beloofde datum, met de reden, een nieuwe datum en wat we doen om die te halen. "
            "Waar nodig helpen we bij het verlengen van het financieringsvoorbehoud.",
            "The customer hears it from us, before the promised date, with the reason, a new date and what we are doing to meet "
            "it. Where needed we help arrange an extension of the mortgage condition.",
        ),
        kind="potential",
    ),
    _moment(
        "offer_by_post",
        _t("Offerte komt per post", "Offer arrives by post"),
        _t(
            "De bindende hypotheekofferte valt op de mat, samen met de voorwaarden en een antwoordformulier.",
            "The binding mortgage offer lands on the doormat, together with the terms and a reply form.",
        ),
        "letter",
        "mortgage_processing",
        _PROCESSING,
        "scripted",
        _t(
            "De brief opent met een samenvatting van één pagina in gewone taal: bedrag, rente, maandlast, looptijd en de uiterste "
            "datum om te tekenen. Tegelijk staat de offerte in de app en meldt de adviseur kort dat ze onderweg is.",
            "The letter opens with a one-page summary in plain language: amount, rate, monthly payment, term and the deadline to "
            "sign. The offer appears in the app at the same time, and the adviser sends a short note that it is on its way.",
        ),
    ),
    _moment(
        "questions_call",
        _t("Vragen over de offerte", "Questions about the offer"),
        _t(
            "De klant heeft vragen over de offerte en neemt contact op met de adviseur. Die stelt een videogesprek in de app voor "
            "om de offerte samen op het scherm door te lopen.",
            "The customer has questions about the offer and contacts the adviser, who suggests a video consultation in the app "
            "to go through the offer together on screen.",
        ),
        "custom:video_consult",
        "mortgage_advice",
        _ADVISER,
        "variable",
        _t(
            "De klant spreekt binnen één werkdag de eigen adviseur, zonder eerst een keuzemenu door te moeten. De adviseur kent "
            "het dossier en beantwoordt ook de vraag achter de vraag: kan ik dit echt betalen?",
            "The customer reaches their own adviser within one working day, without a phone menu first. The adviser knows the "
            "file and also answers the question behind the question: can I really afford this?",
        ),
    ),
    _moment(
        "adviser_follow_up",
        _t("Adviseur neemt zelf contact op", "Adviser checks in"),
        _t(
            "Een week na ontvangst van de offerte heeft de klant nog niet gereageerd. De adviseur belt om te horen of er vragen "
            "zijn en hoe het met de aankoop staat.",
            "A week after the offer arrived, the customer has not responded. The adviser calls to ask whether there are "
            "questions and how the purchase is going.",
        ),
        "phone",
        "mortgage_advice",
        _ADVISER,
        "variable",
        _t(
            "Het telefoontje voelt als meedenken, niet als verkopen of opjagen. De adviseur noemt de uiterste datum, biedt hulp "
            "aan en legt de gemaakte afspraken daarna kort vast in de app.",
            "The call feels like support, not a sales push or pressure. The adviser mentions the deadline, offers help and "
            "afterwards confirms what was agreed in the app.",
        ),
        kind="potential",
    ),
    _moment(
        "complaint",
        _t("Klacht: niet zoals afgesproken", "Complaint: not as agreed"),
        _t(
            "Er is iets niet gelopen zoals beloofd: de offerte is te laat, of de rente wijkt af van wat besproken was. De klant "
            "dient een klacht in via het webformulier of per e-mail.",
            "Something did not go as promised: the offer is late, or the rate differs from what was discussed. The customer "
            "files a complaint through the web form or by e-mail.",
        ),
        "email",
        "complaints",
        _COMPLAINTS,
        "variable",
        _t(
            "Binnen één werkdag belt een klachtbehandelaar met naam en direct nummer. Die biedt excuses aan waar dat past, zoekt "
            "het uit zonder de klant van afdeling naar afdeling te sturen en spreekt een datum voor de oplossing af.",
            "Within one working day a named complaints handler with a direct number calls, apologises where appropriate, sorts "
            "it out without sending the customer from department to department and agrees a date for the solution.",
        ),
        kind="potential",
    ),
    _moment(
        "signing_visit",
        _t("Slotgesprek en ondertekening", "Final meeting and signing"),
        _t(
            "De klant komt terug naar het kantoor om de laatste details door te nemen en de offerte te ondertekenen.",
            "The customer returns to the branch to go over the final details and sign the offer.",
        ),
        "visit",
        "mortgage_advice",
        _ADVISER,
        "scripted",
        _t(
            "Alles ligt klaar, de klant hoeft niets opnieuw aan te leveren en kan op papier of digitaal tekenen. De adviseur "
            "staat even stil bij deze mijlpaal en legt uit wat er tot de sleuteloverdracht nog gebeurt.",
            "Everything is ready, the customer has nothing to resend and can sign on paper or digitally. The adviser marks the "
            "milestone and explains what happens between now and getting the keys.",
        ),
    ),
    _moment(
        "notary_transfer",
        _t("Sleuteloverdracht bij de notaris", "Getting the keys at the notary"),
        _t(
            "Bij de notaris worden de leveringsakte en de hypotheekakte getekend. De bank heeft het geld op tijd klaargezet en "
            "de klant krijgt de sleutels.",
            "At the notary the deed of transfer and the mortgage deed are signed. The bank has made the funds available in time "
            "and the customer gets the keys.",
        ),
        "custom:notary",
        "mortgage_processing",
        _t("medewerker hypotheekverwerking (via de notaris)", "mortgage processing officer (via the notary)"),
        "scripted",
        _t(
            "De notaris heeft ruim op tijd alle stukken en het geld van de bank; aan tafel zijn er geen verrassingen. Een dag "
            "later krijgt de klant een persoonlijke felicitatie met een overzicht van de eerste maandlast.",
            "The notary has all documents and the bank's funds well in time; there are no surprises at the table. The next day "
            "the customer receives personal congratulations with an overview of the first monthly payment.",
        ),
    ),
]

MORTGAGE_WORKSHOP_FRONT_LINE = {
    "title": _t(
        "Kruip in de huid van de klant: hypotheek (klantcontact en advies)",
        "Walk in the customer's shoes: mortgage (contact centre and advice)",
    ),
    "held_on": "2026-03-12",
    "facilitator": "Marloes Bakker",
    "participants": (
        "Ruben Jansen (teamleider klantcontactcentrum), Fatima El Amrani (klantcontactcentrum), "
        "Ayşe Demir (teamleider hypotheekadvies), Daan Mulder (hypotheekadviseur), Lotte Smit (hypotheekverwerking)"
    ),
    "notes": _t(
        "Eerste sessie met de frontlinie. Het grootste lek volgens de groep: na het adviesgesprek valt het stil tot de "
        "offerte komt. De adviseurs schrokken van hoe lang die stilte voor een klant voelt.",
        "First session with the front line. The biggest leak according to the group: after the advice meeting everything "
        "goes quiet until the offer arrives. The advisers were struck by how long that silence feels to a customer.",
    ),
    "entries": {
        "info_call": _entry(
            _t(
                "Iemand die rustig de tijd neemt en snapt dat dit allemaal nieuw voor me is.",
                "Someone who takes their time and understands that this is all new to me.",
            ),
            _t(
                "Vragen worden correct beantwoord, maar vaak snel en zakelijk; bij drukte wacht je eerst een paar minuten.",
                "Questions are answered correctly but often quickly and matter-of-factly; at busy times you wait a few minutes first.",
            ),
            _t("Geholpen, maar niet echt gezien.", "Helped, but not really seen."),
            _t(
                "Een degelijke bank, maar ben ik als starter wel welkom?",
                "A solid bank, but are first-time buyers really welcome?",
            ),
            1,
        ),
        "appointment_call": _entry(
            _t(
                "In één telefoontje een afspraak op een tijd die mij past.",
                "An appointment at a time that suits me, in a single call.",
            ),
            _t(
                "De agenda's van de adviseurs zitten vaak twee weken vol en avondafspraken zijn schaars.",
                "Advisers' diaries are often full for two weeks and evening slots are scarce.",
            ),
            _t(
                "Een beetje ongeduldig: ik wil door, het huis wacht niet op mij.",
                "A bit impatient: I want to get on with it, the house won't wait for me.",
            ),
            _t("Ze willen wel, maar ze hebben het druk.", "They mean well, but they are stretched."),
            1,
        ),
        "advice_visit": _entry(
            _t(
                "Een adviseur die mij begrijpt en eerlijk zegt wat haalbaar is.",
                "An adviser who understands me and says honestly what is feasible.",
            ),
            _t(
                "Het gesprek is persoonlijk en grondig; de adviseur neemt echt de tijd en rekent alles met de klant door.",
                "The meeting is personal and thorough; the adviser really takes the time and works through the numbers with the customer.",
            ),
            _t("Opgelucht en enthousiast: het kan echt!", "Relieved and excited: this can actually happen!"),
            _t("Hier zit vakmanschap; deze bank vertrouw ik.", "This is real expertise; I trust this bank."),
            3,
        ),
        "documents_upload": _entry(
            _t(
                "Eén duidelijke lijst en snel horen of alles compleet is.",
                "One clear list and a quick answer on whether everything is complete.",
            ),
            _t(
                "De lijst staat in een pdf; ontbrekende stukken worden los van elkaar opgevraagd, soms pas na een week.",
                "The list is in a PDF; missing items are requested one at a time, sometimes only after a week.",
            ),
            _t(
                "Geïrriteerd, alsof ik huiswerk inlever bij een strenge leraar.",
                "Irritated, as if handing in homework to a strict teacher.",
            ),
            _t(
                "Achter de vriendelijke adviseur draait een stroperige machine.",
                "Behind the friendly adviser there is a slow machine.",
            ),
            0,
        ),
        "waiting_offer": _entry(
            _t(
                "Vanzelf horen hoe het ervoor staat, ook als er nog niets nieuws te melden is.",
                "Hearing how things stand without asking, even when there is nothing new to report.",
            ),
            _t(
                "Na het uploaden hoort de klant niets meer; de status in de app blijft op 'in behandeling' staan.",
                "After uploading, the customer hears nothing; the status in the app stays on 'in progress'.",
            ),
            _t(
                "Onrustig en machteloos; ik lig er 's nachts wakker van.",
                "Anxious and powerless; it keeps me up at night.",
            ),
            _t(
                "Zijn ze me vergeten? Het vertrouwen uit het adviesgesprek is weg.",
                "Have they forgotten me? The trust from the advice meeting is gone.",
            ),
            -3,
        ),
        "delay_notice": _entry(
            _t(
                "Op tijd een eerlijk bericht, met een nieuwe datum waar ik op kan rekenen.",
                "An honest message in good time, with a new date I can rely on.",
            ),
            _t(
                "Als er al gebeld wordt, is dat meestal pas na de beloofde datum en zonder nieuwe datum.",
                "If anyone calls at all, it is usually after the promised date and without a new one.",
            ),
            _t(
                "Teleurgesteld, maar blij dat er eindelijk iemand belt.",
                "Disappointed, but glad that someone finally calls.",
            ),
            _t(
                "Ze hebben hun eigen proces niet in de hand.", "They are not in control of their own process."
            ),
            -1,
        ),
        "offer_by_post": _entry(
            _t(
                "Een offerte die ik zelf kan lezen en begrijpen.",
                "An offer I can read and understand on my own.",
            ),
            _t(
                "Een dikke envelop vol kleine letters; de maandlast staat pas op pagina vier.",
                "A thick envelope full of small print; the monthly payment only appears on page four.",
            ),
            _t(
                "Blij dat de offerte er eindelijk is, maar ook wat overdonderd.",
                "Glad the offer is finally here, but a little overwhelmed.",
            ),
            _t(
                "Het product klopt, maar de brief is voor juristen geschreven.",
                "The product is right, but the letter is written for lawyers.",
            ),
            1,
        ),
        "questions_call": _entry(
            _t(
                "Snel mijn eigen adviseur spreken, die weet waar het over gaat.",
                "Reaching my own adviser quickly, someone who knows my case.",
            ),
            _t(
                "De klant komt binnen via het 0800-nummer en wacht soms twee dagen op een terugbelverzoek.",
                "The customer comes in via the 0800 number and sometimes waits two days for a call back.",
            ),
            _t(
                "Ongeduldig: ik heb een deadline en niemand lijkt dat te weten.",
                "Impatient: I have a deadline and nobody seems to know.",
            ),
            _t("Persoonlijk advies, zolang het hun uitkomt.", "Personal advice, as long as it suits them."),
            0,
        ),
        "adviser_follow_up": _entry(
            _t("Een adviseur die meedenkt zonder te pushen.", "An adviser who thinks along without pushing."),
            _t(
                "Gebeurt zelden, en alleen als de uiterste datum bijna verstreken is.",
                "It rarely happens, and only when the deadline has almost passed.",
            ),
            _t("Verrast en gewaardeerd, als het wel gebeurt.", "Surprised and valued, when it does happen."),
            _t(
                "Ze houden me in de gaten; dat geeft vertrouwen.",
                "They keep an eye on me; that builds trust.",
            ),
            1,
        ),
        "complaint": _entry(
            _t(
                "Serieus genomen worden en excuses horen, geen verhaal over andere afdelingen.",
                "Being taken seriously and hearing an apology, not a story about other departments.",
            ),
            _t(
                "De klacht gaat naar de afdeling die het probleem veroorzaakte; de klant vertelt het verhaal drie keer.",
                "The complaint goes to the department that caused the problem; the customer tells the story three times.",
            ),
            _t("Boos, en van het kastje naar de muur gestuurd.", "Angry, and given the runaround."),
            _t("Als er iets misgaat, sta ik er alleen voor.", "When something goes wrong, I am on my own."),
            -2,
        ),
        "signing_visit": _entry(
            _t(
                "Een feestelijk moment waarop alles gewoon klopt.",
                "A festive moment where everything simply falls into place.",
            ),
            _t(
                "Het gesprek is goed, maar soms blijkt op het laatste moment nog een handtekening of document te ontbreken.",
                "The meeting goes well, but sometimes a signature or document turns out to be missing at the last minute.",
            ),
            _t(
                "Trots en opgelucht, met nog een klein beetje spanning.",
                "Proud and relieved, with a little tension left.",
            ),
            _t("Uiteindelijk maken ze het waar.", "In the end they deliver."),
            2,
        ),
        "notary_transfer": _entry(
            _t(
                "Bij de notaris alleen nog tekenen en de sleutels krijgen.",
                "At the notary, just signing and getting the keys.",
            ),
            _t(
                "Meestal vlekkeloos; de bank is aan tafel onzichtbaar, en dat is prima.",
                "Usually flawless; the bank is invisible at the table, and that is fine.",
            ),
            _t("Blij en trots: mijn eerste huis!", "Happy and proud: my first home!"),
            _t(
                "Een goed einde, maar het wachten op de offerte blijft me bij.",
                "A good ending, but the wait for the offer is what I remember.",
            ),
            3,
        ),
    },
}

MORTGAGE_WORKSHOP_BACK_OFFICE = {
    "title": _t(
        "Kruip in de huid van de klant: hypotheek (backoffice en klachten)",
        "Walk in the customer's shoes: mortgage (back office and complaints)",
    ),
    "held_on": "2026-05-20",
    "facilitator": "Jeroen Hoekstra",
    "participants": (
        "Lotte Smit (hypotheekverwerking), Willem de Boer (acceptant hypotheken), Nadia Ouali (klachtenservice), "
        "Ruben Jansen (teamleider klantcontactcentrum), Hendrik van Dijk (directie), twee klanten uit het klantpanel"
    ),
    "notes": _t(
        "Tweede sessie, nu met de backoffice, de klachtenservice en twee klanten uit het klantpanel. De klanten waren "
        "kritischer over het eerste telefoontje dan de medewerkers. De nabelactie van de adviseur en de sleuteloverdracht "
        "zijn niet besproken.",
        "Second session, this time with the back office, the complaints desk and two customers from the customer panel. The "
        "customers were more critical of the first call than the staff were. The adviser's follow-up call and the keys at "
        "the notary were not discussed.",
    ),
    "entries": {
        "info_call": _entry(
            _t(
                "Dat de medewerker vraagt wat ik van plan ben, niet alleen wat mijn vraag is.",
                "That the agent asks what I am planning, not just what my question is.",
            ),
            _t(
                "Volgens de panelklanten klinkt het gesprek als een afvinklijst; de medewerker wil vooral snel een afspraak inplannen.",
                "According to the panel customers the call sounds like a checklist; the agent mainly wants to book an appointment quickly.",
            ),
            _t("Een nummer in de rij.", "Like a number in the queue."),
            _t(
                "Of ik hier zit of bij een andere bank, maakt weinig uit.",
                "Whether I bank here or elsewhere makes little difference.",
            ),
            0,
        ),
        "appointment_call": _entry(
            _t(
                "Online zelf een tijd kiezen, of bellen als ik dat liever doe.",
                "Choosing a time online myself, or calling if I prefer.",
            ),
            _t(
                "Plannen kan alleen telefonisch; het lukt wel, maar het kost een tweede telefoontje.",
                "Booking is by phone only; it works, but it takes a second call.",
            ),
            _t("Prima, maar ouderwets.", "Fine, but old-fashioned."),
            _t("Betrouwbaar, niet vernieuwend.", "Reliable, not innovative."),
            1,
        ),
        "advice_visit": _entry(
            _t(
                "Eerlijk advies, ook als het antwoord tegenvalt.",
                "Honest advice, even when the answer is disappointing.",
            ),
            _t(
                "Adviseurs zijn goed voorbereid, al beloven ze soms een doorlooptijd die de backoffice niet kan waarmaken.",
                "Advisers are well prepared, though they sometimes promise a lead time the back office cannot meet.",
            ),
            _t("Vol vertrouwen en enthousiast.", "Confident and enthusiastic."),
            _t("Een bank die het goed met me voorheeft.", "A bank that has my interests at heart."),
            2,
        ),
        "documents_upload": _entry(
            _t(
                "Alles in één keer goed, en zien wat er nog ontbreekt.",
                "Getting it right in one go, and seeing what is still missing.",
            ),
            _t(
                "De backoffice bekijkt de stukken pas als het dossier wordt opgepakt, soms dagen later; verzoeken lopen dan via de adviseur.",
                "The back office only looks at the documents when it picks up the file, sometimes days later; requests then go through the adviser.",
            ),
            _t("Gefrustreerd: had ik dat niet al gestuurd?", "Frustrated: didn't I already send that?"),
            _t(
                "De linkerhand weet niet wat de rechterhand doet.",
                "The left hand doesn't know what the right hand is doing.",
            ),
            -1,
        ),
        "waiting_offer": _entry(
            _t(
                "Eén vast aanspreekpunt dat laat weten waar mijn aanvraag ligt.",
                "One fixed contact who lets me know where my application is.",
            ),
            _t(
                "Nergens in het proces informeert iemand de klant; de backoffice heeft geen klantcontact.",
                "Nowhere in the process does anyone update the customer; the back office has no customer contact.",
            ),
            _t(
                "Zenuwachtig: mijn makelaar belt me vaker dan mijn bank.",
                "Nervous: my estate agent calls me more often than my bank does.",
            ),
            _t(
                "Na het adviesgesprek ben ik blijkbaar een dossier geworden.",
                "After the advice meeting I have apparently become a file.",
            ),
            -2,
        ),
        "delay_notice": _entry(
            _t(
                "Meteen weten wat de vertraging voor mijn aankoop betekent.",
                "Knowing straight away what the delay means for my purchase.",
            ),
            _t(
                "De backoffice meldt de vertraging aan de adviseur, die het doorgeeft als er tijd voor is.",
                "The back office reports the delay to the adviser, who passes it on when there is time.",
            ),
            _t("Ongerust, maar wel op de hoogte.", "Worried, but at least informed."),
            _t("Eerlijk, al komt het bericht via een omweg.", "Honest, even if the message takes a detour."),
            0,
        ),
        "offer_by_post": _entry(
            _t(
                "De offerte ook digitaal, met uitleg erbij.",
                "The offer in digital form too, with an explanation.",
            ),
            _t(
                "Alleen per post; de digitale versie verschijnt soms pas dagen later in de app.",
                "By post only; the digital copy sometimes appears in the app days later.",
            ),
            _t("Opgelucht dat hij er is.", "Relieved that it has arrived."),
            _t("Ze leveren, al is het op hun eigen manier.", "They deliver, albeit in their own way."),
            1,
        ),
        "questions_call": _entry(
            _t(
                "Een videogesprek waarin we samen de offerte doorlopen.",
                "A video call in which we go through the offer together.",
            ),
            _t(
                "Videogesprekken bestaan, maar worden weinig aangeboden; de klant belt en wacht op een terugbelverzoek.",
                "Video consultations exist but are rarely offered; the customer calls and waits for a call back.",
            ),
            _t(
                "Kwetsbaar: ik teken voor dertig jaar en kan mijn vragen nergens kwijt.",
                "Vulnerable: I am signing up for thirty years and nobody answers my questions.",
            ),
            _t(
                "Het adviesgesprek was mooi, de nazorg is mager.",
                "The advice meeting was great; the aftercare is thin.",
            ),
            -1,
        ),
        "complaint": _entry(
            _t(
                "Iemand die zegt: dit had niet mogen gebeuren, ik los het voor u op.",
                "Someone who says: this should not have happened, I will fix it for you.",
            ),
            _t(
                "Een standaard ontvangstbevestiging en een reactietermijn van vier weken, terwijl de deadline van de klant over tien dagen is.",
                "A standard acknowledgement and a four-week response time, while the customer's deadline is ten days away.",
            ),
            _t("Woedend en in paniek.", "Furious and panicking."),
            _t("Deze bank raad ik niemand aan.", "I would not recommend this bank to anyone."),
            -3,
        ),
        "signing_visit": _entry(
            _t(
                "Tekenen zonder verrassingen, met iemand die met me meeleeft.",
                "Signing without surprises, with someone who shares the moment.",
            ),
            _t(
                "Goed geregeld; adviseurs maken er een prettig moment van.",
                "Well organised; advisers make it a pleasant occasion.",
            ),
            _t("Blij en opgelucht.", "Happy and relieved."),
            _t(
                "Het loopt goed af, maar het had minder spannend gemogen.",
                "It ends well, but it could have been less nerve-racking.",
            ),
            2,
        ),
    },
}

MORTGAGE_JOURNEY = {
    "key": "mortgage",
    "name": _t("Hypotheek afsluiten", "Taking out a mortgage"),
    "description": _t(
        "Van de eerste oriënterende vraag tot de sleutels bij de notaris: de reis van een starter die een eerste woning "
        "financiert bij Polderbank.",
        "From the first exploratory question to getting the keys at the notary: the journey of a first-time buyer financing "
        "a home with Polderbank.",
    ),
    "start_feeling": 2,
    "moments": MORTGAGE_MOMENTS,
    "workshops": [MORTGAGE_WORKSHOP_FRONT_LINE, MORTGAGE_WORKSHOP_BACK_OFFICE],
}


# ---------------------------------------------------------------------------------------------
# Journey 2: a car-damage claim (negative start feeling)
# ---------------------------------------------------------------------------------------------

CAR_CLAIM_MOMENTS = [
    _moment(
        "report_claim",
        _t("Schade melden", "Reporting the damage"),
        _t(
            "Kort na de aanrijding meldt de klant de schade in de app, met foto's, het Europees schadeformulier en de gegevens "
            "van de tegenpartij. Wie liever belt, kan dag en nacht terecht bij de schadelijn.",
            "Shortly after the collision the customer reports the damage in the app, with photos, the European accident "
            "statement and the other party's details. Those who prefer to call can reach the claims line day and night.",
        ),
        "app",
        "claims",
        _CLAIMS,
        "scripted",
        _t(
            "Eerst de mens, dan het formulier: de app vraagt of iedereen in orde is en wijst de weg naar hulp langs de weg. "
            "Melden kost hooguit tien minuten en de klant kan tussendoor stoppen zonder iets kwijt te raken.",
            "Person first, form second: the app asks whether everyone is all right and points to roadside assistance. "
            "Reporting takes ten minutes at most, and the customer can pause without losing anything.",
        ),
    ),
    _moment(
        "claim_confirmation",
        _t("Bevestiging en dossiernummer", "Confirmation and claim number"),
        _t(
            "De klant krijgt per e-mail een bevestiging met dossiernummer, de naam van de schadebehandelaar en de volgende stappen.",
            "The customer receives an e-mail confirmation with the claim number, the claims handler's name and the next steps.",
        ),
        "email",
        "claims",
        _CLAIMS,
        "scripted",
        _t(
            "De bevestiging komt binnen een uur en is geen standaardtekst vol voorwaarden: wie behandelt de schade, wat gebeurt "
            "er wanneer, en hoe regelt de klant vervangend vervoer.",
            "The confirmation arrives within an hour and is not boilerplate full of conditions: who handles the claim, what "
            "happens when, and how the customer arranges a replacement car.",
        ),
    ),
    _moment(
        "waiting_assessor",
        _t("Wachten op de schade-expert", "Waiting for the assessor"),
        _t(
            "De klant weet dat er een expert moet komen, maar niet wanneer. De beschadigde auto staat voor de deur of is niet "
            "te gebruiken, en de klant zit zonder vervoer.",
            "The customer knows an assessor has to come, but not when. The damaged car sits outside or cannot be used, and the "
            "customer has no transport.",
        ),
        None,
        None,
        _NOBODY,
        "variable",
        _t(
            "Binnen twee werkdagen staat er een afspraak met de expert, met een tijdvak van hooguit twee uur. Kan het niet "
            "sneller, dan regelen we in de tussentijd vervangend vervoer.",
            "Within two working days there is an appointment with the assessor, with a time slot of two hours at most. If it "
            "cannot be sooner, we arrange replacement transport in the meantime.",
        ),
        contact="customer_only",
    ),
    _moment(
        "assessor_visit",
        _t("Expert beoordeelt de schade", "Assessor inspects the damage"),
        _t(
            "De schade-expert bekijkt de auto bij de klant thuis of bij het herstelbedrijf, stelt de schade vast en schat de "
            "herstelkosten.",
            "The assessor inspects the car at the customer's home or at the repair shop, establishes the damage and estimates "
            "the repair costs.",
        ),
        "visit",
        "claims",
        _t("schade-expert", "claims assessor"),
        "variable",
        _t(
            "De expert komt op tijd, legt uit wat er te zien is en wat dat betekent voor de vergoeding, en laat geen open "
            "vragen achter. Dezelfde dag staat het rapport in de app.",
            "The assessor arrives on time, explains what they see and what it means for the compensation, and leaves no open "
            "questions. The report is in the app the same day.",
        ),
    ),
    _moment(
        "decision_letter",
        _t("Besluit over de vergoeding", "Decision on compensation"),
        _t(
            "De klant krijgt een brief met het besluit: welk deel van de schade vergoed wordt, welk eigen risico geldt en of de "
            "auto hersteld wordt of total loss is.",
            "The customer receives a letter with the decision: which part of the damage is covered, what excess applies, and "
            "whether the car will be repaired or written off.",
        ),
        "letter",
        "claims",
        _CLAIMS,
        "variable",
        _t(
            "Het besluit staat in de eerste alinea, de uitleg in gewone taal daaronder. Bij een afwijzing of gedeeltelijke "
            "vergoeding belt de schadebehandelaar eerst zelf, zodat de brief geen verrassing is.",
            "The decision is in the first paragraph, with a plain-language explanation below. If the claim is rejected or only "
            "partly paid, the claims handler calls first, so the letter comes as no surprise.",
        ),
    ),
    _moment(
        "appeal",
        _t("Bezwaar tegen het besluit", "Appeal against the decision"),
        _t(
            "De klant is het niet eens met het besluit, bijvoorbeeld over de schuldvraag of de hoogte van de vergoeding, en "
            "maakt bezwaar via het formulier op de website.",
            "The customer disagrees with the decision, for instance about liability or the amount paid, and files an appeal "
            "through the form on the website.",
        ),
        "web",
        "complaints",
        _COMPLAINTS,
        "variable",
        _t(
            "Iemand die niet bij het eerste besluit betrokken was, kijkt opnieuw en belt de klant binnen drie werkdagen. De "
            "klant hoort hoe lang de herbeoordeling duurt en krijgt de uitkomst met een heldere motivering.",
            "Someone who was not involved in the first decision reviews the case and calls the customer within three working "
            "days. The customer hears how long the review will take and gets the outcome with clear reasons.",
        ),
        kind="potential",
    ),
    _moment(
        "car_at_repair",
        _t("Auto bij de hersteller, geen nieuws", "Car at the repair shop, no news"),
        _t(
            "De auto staat bij het herstelbedrijf. Onderdelen laten op zich wachten en de klant hoort niets, niet van de "
            "hersteller en niet van de bank.",
            "The car is at the repair shop. Parts are slow to arrive and the customer hears nothing, neither from the shop nor "
            "from the bank.",
        ),
        None,
        None,
        _NOBODY,
        "variable",
        _t(
            "Bank en herstelbedrijf delen de status: de klant ziet in de app in welke fase de reparatie is en wanneer de auto "
            "naar verwachting klaar is. Loopt het uit, dan belt de bank, niet de klant.",
            "The bank and the repair shop share the status: the customer sees in the app which stage the repair is at and when "
            "the car should be ready. If it runs late, the bank calls, not the customer.",
        ),
        contact="customer_only",
    ),
    _moment(
        "car_returned",
        _t("Auto terug en afronding", "Car returned, claim closed"),
        _t(
            "De klant haalt de gerepareerde auto op, de vergoeding en het eigen risico worden verrekend en het dossier wordt "
            "gesloten.",
            "The customer collects the repaired car, the compensation and excess are settled and the claim is closed.",
        ),
        "app",
        "claims",
        _CLAIMS,
        "scripted",
        _t(
            "Het geld staat binnen twee werkdagen op de rekening en de afrekening is in één oogopslag te begrijpen. De "
            "schadebehandelaar vraagt kort of alles naar wens is en of de klant nog ergens mee zit.",
            "The money is in the account within two working days and the settlement is clear at a glance. The claims handler "
            "briefly checks whether everything is in order and whether anything is still bothering the customer.",
        ),
    ),
]

CAR_CLAIM_WORKSHOP = {
    "title": _t(
        "Kruip in de huid van de klant: autoschade",
        "Walk in the customer's shoes: car damage",
    ),
    "held_on": "2026-04-09",
    "facilitator": "Marloes Bakker",
    "participants": (
        "Pieter Visser (teamleider schadeafhandeling), Sem de Graaf (schadebehandelaar), Nadia Ouali (klachtenservice), "
        "Fatima El Amrani (klantcontactcentrum), een schade-expert van het expertisebureau"
    ),
    "notes": _t(
        "De groep zag dat de klant het grootste deel van de tijd wacht zonder enig contact met ons. Het gat tussen de "
        "expertise en het einde van de reparatie weegt voor de klant het zwaarst.",
        "The group saw that the customer spends most of the time waiting without any contact with us. The gap between the "
        "assessment and the end of the repair weighs heaviest on the customer.",
    ),
    "entries": {
        "report_claim": _entry(
            _t(
                "Snel en zonder gedoe melden, bij iemand die vraagt hoe het met me gaat.",
                "Reporting quickly and easily, to someone who asks how I am doing.",
            ),
            _t(
                "Het formulier in de app werkt, maar is lang en vraagt dingen die de klant op dat moment niet weet.",
                "The app form works, but it is long and asks things the customer does not know at that point.",
            ),
            _t(
                "Nog steeds van slag, en nu ook nog administratie.",
                "Still shaken, and now there is paperwork too.",
            ),
            _t("Ze regelen het wel, maar ze zien mij niet.", "They handle it, but they don't see me."),
            -1,
        ),
        "claim_confirmation": _entry(
            _t(
                "Meteen weten wie mijn schade behandelt en wat er nu gebeurt.",
                "Knowing right away who handles my claim and what happens next.",
            ),
            _t(
                "Een automatische e-mail met dossiernummer, zonder naam van een behandelaar en zonder planning.",
                "An automatic e-mail with a claim number, no handler's name and no timeline.",
            ),
            _t("Neutraal; het is tenminste binnen.", "Neutral; at least it has been received."),
            _t("Een verzekeraar zoals alle andere.", "An insurer like any other."),
            0,
        ),
        "waiting_assessor": _entry(
            _t(
                "Binnen een paar dagen een expert, en tot die tijd vervangend vervoer.",
                "An assessor within a few days, and a replacement car until then.",
            ),
            _t(
                "Het expertisebureau plant zelf; klanten wachten vaak een week en moeten zelf achter de afspraak aan.",
                "The assessment firm schedules visits itself; customers often wait a week and have to chase the appointment.",
            ),
            _t("Gestrest: ik kan niet naar mijn werk.", "Stressed: I can't get to work."),
            _t(
                "Premie innen gaat sneller dan schade betalen.",
                "They collect premiums faster than they pay claims.",
            ),
            -2,
        ),
        "assessor_visit": _entry(
            _t(
                "Een expert die uitlegt wat er gebeurt en eerlijk is over de kosten.",
                "An assessor who explains what is going on and is honest about the costs.",
            ),
            _t(
                "Experts zijn vakkundig en meestal vriendelijk, maar het rapport komt pas een paar dagen later.",
                "Assessors are skilled and mostly friendly, but the report only arrives a few days later.",
            ),
            _t("Opgelucht dat er eindelijk iets gebeurt.", "Relieved that something is finally happening."),
            _t("Ze nemen mijn schade serieus.", "They take my damage seriously."),
            1,
        ),
        "decision_letter": _entry(
            _t(
                "Een duidelijk besluit, en bij slecht nieuws eerst een telefoontje.",
                "A clear decision, and a phone call first if the news is bad.",
            ),
            _t(
                "Een standaardbrief vol polisartikelen; bij een gedeeltelijke vergoeding moet de klant zelf uitzoeken waarom.",
                "A standard letter full of policy clauses; if only part is paid, the customer has to work out why.",
            ),
            _t("Onzeker en een beetje bedrogen.", "Unsure and a little cheated."),
            _t("De kleine lettertjes winnen altijd.", "The small print always wins."),
            -1,
        ),
        "appeal": _entry(
            _t(
                "Een frisse, onafhankelijke blik en snel een antwoord.",
                "A fresh, independent look and a quick answer.",
            ),
            _t(
                "Het bezwaar gaat terug naar dezelfde behandelaar en de klant hoort wekenlang niets.",
                "The appeal goes back to the same handler and the customer hears nothing for weeks.",
            ),
            _t("Machteloos en boos.", "Powerless and angry."),
            _t("Ze zijn rechter in hun eigen zaak.", "They are judge in their own case."),
            -3,
        ),
        "car_at_repair": _entry(
            _t(
                "Weten wanneer mijn auto klaar is, en het horen als het uitloopt.",
                "Knowing when my car will be ready, and being told if it runs late.",
            ),
            _t(
                "Bank en hersteller delen geen status; de klant belt beide en krijgt twee verschillende verhalen.",
                "The bank and the repair shop share no status; the customer calls both and gets two different stories.",
            ),
            _t("Vergeten, en het duurt maar en duurt maar.", "Forgotten, and it just drags on."),
            _t("Niemand voelt zich verantwoordelijk.", "Nobody feels responsible."),
            -2,
        ),
        "car_returned": _entry(
            _t(
                "Mijn auto als nieuw terug en het geld zonder gedoe op mijn rekening.",
                "My car back as good as new and the money in my account without fuss.",
            ),
            _t(
                "De auto is meestal netjes hersteld; de betaling volgt binnen een week.",
                "The car is usually repaired well; the payment follows within a week.",
            ),
            _t("Opgelucht dat het voorbij is.", "Relieved that it is over."),
            _t(
                "Het resultaat is goed, de weg ernaartoe niet.", "The result is good; the road to it was not."
            ),
            2,
        ),
    },
}

CAR_CLAIM_JOURNEY = {
    "key": "car_claim",
    "name": _t("Autoschade afhandelen", "Handling a car-damage claim"),
    "description": _t(
        "Een klant met een autoverzekering bij Polderbank heeft een aanrijding gehad. De reis loopt van de schademelding "
        "tot de auto weer voor de deur staat en de vergoeding betaald is.",
        "A customer with Polderbank car insurance has had a collision. The journey runs from reporting the claim until the "
        "car is back at the door and the compensation has been paid.",
    ),
    "start_feeling": -2,
    "moments": CAR_CLAIM_MOMENTS,
    "workshops": [CAR_CLAIM_WORKSHOP],
}

JOURNEYS = [MORTGAGE_JOURNEY, CAR_CLAIM_JOURNEY]


# ---------------------------------------------------------------------------------------------
# Improvement actions (their planted effects: demo.effects.ACTIONS)
# ---------------------------------------------------------------------------------------------

IMPROVEMENT_ACTIONS = {
    "waiting_status_text": {
        "title": _t(
            "Wekelijks een statusbericht zolang de offerte op zich laat wachten",
            "A weekly status message while the offer is on its way",
        ),
        "goal": _t(
            "Het wachten op de offerte voelt minder onzeker als de klant elke week hoort hoe het ervoor staat.",
            "Waiting for the offer feels less uncertain when the customer hears every week where it stands.",
        ),
        "actor": _t("Hypotheekadviseurs", "Mortgage advisers"),
        "owner": "ayse.demir@polderbank.example",
        "status": "check",
        "themes": ["wait", "inform"],
    },
    "signing_checklist": {
        "title": _t(
            "Vooraf een lijstje van wat je meeneemt naar het slotgesprek",
            "A list, sent ahead, of what to bring to the signing meeting",
        ),
        "goal": _t(
            "Niemand hoeft voor een tweede afspraak terug te komen omdat er een stuk ontbreekt.",
            "Nobody has to come back for a second appointment because a paper is missing.",
        ),
        "actor": _t("Adviseurs op de kantoren", "Advisers at the branches"),
        "owner": "ayse.demir@polderbank.example",
        "status": "check",
        "themes": ["paperwork", "inform"],
    },
}
