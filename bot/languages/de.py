"""German."""

from __future__ import annotations

from types import MappingProxyType

from .vocabulary import Messages, Vocabulary, WidgetWords

__all__ = ["VOCABULARY"]

_NUMBER_WORDS = (
    r"(?:\d+(?:[.,]\d+)?|eine?[mnrs]?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|"
    r"zwölf|zwanzig|dreißig|halbe?n?|anderthalb|einige[nm]?|mehrere[nm]?|wenige[nm]?)"
)

VOCABULARY = Vocabulary(
    # Frequent function words that English does not share ("was" is in both).
    function_words=frozenset(
        (
            "der die das den dem des ein eine einen einem einer und ist sind wer wie warum wo "
            "wann welche welcher welches nicht mit von zu für auf im bei auch hat haben wird "
            "werden über sich es sie ich du wir ihr kann können gibt sagt dazu oder aber noch "
            "nach"
        ).split()
    ),
    letters="äöüß",
    joins=("", "s", "es", "n", "en", "e"),
    question_words=frozenset(
        (
            "wer wen wem wessen was wie wo wann warum weshalb wieso weswegen welche welcher "
            "welches welchen welchem woher wohin womit wozu worüber wofür gibt gab"
        ).split()
    ),
    continuations=frozenset("und aber auch also".split()),
    # Pronouns and pronominal adverbs that point back ("es" is left out: "gibt es").
    back_references=frozenset(
        (
            "sie er ihre ihrem ihren ihrer ihres deren dessen dies diese dieser dieses diesem "
            "diesen jene jener jenes dabei dazu davon darauf darüber daran damit dafür dagegen "
            "dadurch daraus dort dann denen"
        ).split()
    ),
    back_phrases=("das unternehmen", "die firma"),
    back_without_noun=frozenset({"das"}),
    about_the_text=(
        r"\b(?:(?:im|in|laut|nach|vom|von|aus)\s+)?"
        r"(?:(?:der|die|das|dem|den|des|diese[mnrs]?)\s+)?"
        r"(?:text|artikel|essay|aufsatz|dokument|beitrag|autor|autorin|verfasser|verfasserin)"
        r"(?:e?s|en)?\b"
    ),
    naming=r"\b(?:genannt|erwähnt|aufgeführt|aufgezählt|angesprochen|nennt|nennen|erwähnen)\b",
    there_is="gibt es",
    dangling=r"\b(?:werden|wird)$",
    asks=MappingProxyType(
        {
            "time": (
                r"wann|seit wann|bis wann|ab wann|um wie ?viel uhr|wie spät|wie lange|"
                r"in welche[mn] (?:jahr|monat)|an welche[mn] (?:wochen)?tag(?:en)?|"
                r"zu welcher (?:uhr)?zeit|welche öffnungszeiten|wie oft"
            ),
            "price": r"wie teuer|was kostet|was kosten|wie ?viel kostet|wie ?viel kosten",
            "quantity": r"wie ?viele?|wie hoch|wie groß|wie weit",
            "person": (
                r"wer|wem|wen|wessen|(?:an|bei|mit|von|für) (?:wen|wem)|"
                r"welche[rs]? (?:person|firma|unternehmen|abteilung|organisation)"
            ),
            "place": r"wo|wohin|woher|an welche[mn] ort|in welche[mr] (?:stadt|raum|gebäude|land)",
        }
    ),
    gives=MappingProxyType(
        {
            "time": (
                # years, months, dates and clock times
                r"\b(?:1[5-9]\d\d|20\d\d)\b|"
                r"\b(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|"
                r"november|dezember|jan|feb|mär|apr|jun|jul|aug|sept?|okt|nov|dez)\b|"
                r"\b\d{1,2}\.\s?\d{1,2}\.|\b\d{1,2}[:.]\d{2}\s*uhr|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*uhr\b|"
                # weekdays and times of day
                r"\b(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|"
                r"werktag|wochenende|wochentag|feiertag)\w*|"
                r"\b(?:täglich|wöchentlich|monatlich|jährlich|morgens|vormittags|mittags|"
                r"nachmittags|abends|nachts|jahrhundert\w*|jahrzehnt\w*|quartal\w*)\b|"
                # how often: "zweimal täglich", "jede Woche"
                r"\b(?:ein|zwei|drei|vier|fünf|sechs|zehn|mehr|viel|etliche)mal\w*|"
                r"\b(?:jede[nmrs]?|pro)\s+(?:tag|woche|monat|jahr|stunde|minute)\b|"
                r"\b(?:regelmäßig|ständig|stündlich|laufend)\b|"
                # events a time is told by: "sobald das Paket akzeptiert wurde"
                r"\b(?:sobald|nachdem|bevor|ehe|spätestens|frühestens|rechtzeitig|sofort|"
                r"unverzüglich|vorher|danach|zuvor|anschließend)\b|"
                # ordinals: "ab dem dritten Kalendertag", "am 1. Werktag"
                r"\b(?:\d+\.|erste|zweite|dritte|vierte|fünfte|sechste|siebte|letzte|nächste)"
                r"[nmrs]?\s+\w*(?:tag|woche|monat|jahr|stunde)\w*|"
                # durations: "zwei Wochen", "30 Minuten", "ein halbes Jahr"
                rf"\b{_NUMBER_WORDS}\s+(?:halbe[ns]?\s+)?"
                r"(?:sekunde|minute|stunde|tag|woche|monat|jahr|quartal)\w*"
            ),
            "price": (
                r"€|\b(?:euro|cent|ct|eur|dollar|franken|kostenlos|gratis|umsonst|kostenfrei|"
                r"unentgeltlich|gebührenfrei|einkaufspreis|selbstkosten\w*|preis\w*|kosten)\b"
            ),
            "quantity": (
                r"\d|\b\w*(?:hundert|tausend|million|milliard|dutzend)|"
                r"\b(?:hälfte|drittel|viertel|doppelt\w*|prozent|euro|cent|kostenlos|gratis|"
                r"umsonst|kostenfrei)\b|€"
            ),
            "person": (
                r"\b(?:herr|frau|dr|prof)\.?\s+[A-ZÄÖÜ]|"
                r"\w*(?:gmbh|stiftung|verein|institut|universität|hochschule|unternehmen|firma|"
                r"konzern|behörde|ministerium|abteilung|leitung|leiter|leiterin|chef|chefin|"
                r"vorgesetzte|kolleg|mitarbeit|beschäftigte|ansprechp|zuständig|verantwortlich|"
                r"beauftragte|betriebsrat|sekretariat|empfang|team|gründer|entwickler|forscher|"
                r"hersteller|anbieter|betreiber)\w*|\b(?:ag|kg|e\.\s?v\.)\b"
            ),
            "place": (
                r"\w*(?:raum|räume|zimmer|gebäude|halle|etage|stock\b|geschoss|keller|eingang|"
                r"büro|straße|strasse|platz|gasse|allee|stadt|standort|filiale|gelände|hof\b|"
                r"kantine|empfang|flur|campus|region|bahnhof|haltestelle|werk\b|land\b|länder|"
                r"ort\b|orte\b|adresse|webseite|website|verzeichnis|ordner|seite\b)\w*|"
                r"\b(?:links|rechts|oben|unten|gegenüber|neben|hinter|zwischen|innerhalb|"
                r"außerhalb)\b|\b\d{5}\b|https?://|/\w+|"
                r"\w*(?:saal|gasthaus|gaststätte|restaurant|hotel|park|wiese|wald|ufer|markt)\w*"
            ),
        }
    ),
    gives_cased=MappingProxyType(
        {
            # Small numbers only as lower-case words: "Acht" (heed) and "Elf" are none.
            "quantity": (
                r"\b(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|"
                r"dreißig|vierzig|fünfzig)\b"
            ),
            # Acronyms and names written inside one word (IBM, OpenAI, EleutherAI), and a
            # first name and surname inside a sentence (every German noun is capitalised,
            # two in a row rarely are, the polite "Sie Ihre" aside).
            "person": (
                r"\b[A-ZÄÖÜ]{2,}[a-z]*\b|\b[A-Z][a-z]+[A-Z]\w*|"
                r"(?<=[a-zäöüß,] )(?!Sie\b|Ihr|Ihnen)[A-ZÄÖÜ][a-zäöüß]+ [A-ZÄÖÜ][a-zäöüß]+"
            ),
        }
    ),
    messages=Messages(
        answered="Das sagt der Text dazu:",
        related="Der Text beantwortet das nicht direkt; am nächsten kommt:",
        silent="Dazu sagt der Text nichts.",
        paragraph="Absatz",
        page="S.",
        slide="Folie",
        answered_label="Antwort",
        related_label="Nur verwandt",
        silent_label="Keine Antwort",
    ),
    widget=WidgetWords(
        title="Fragen zum Text",
        full="Ganzer Text",
        ask="Fragen",
        clear="Neu",
        label="Frage",
        placeholder="Frage zum Text",
        failed="Die Frage konnte nicht beantwortet werden.",
        greeting="Hallo! Ich antworte mit den Worten des Textes: wörtliche Zitate, mit "
        "Absatznummer.",
        try_="Zum Beispiel:",
        about="Was sagt der Text über „{topic}“?",
        helpful="Hilfreich?",
        yes="Ja",
        no="Nein",
        thanks="Danke für die Rückmeldung!",
        comment="Was hat gefehlt? (optional)",
        send="Senden",
        copy="Kopieren",
        copied="Kopiert",
        searching="Suche im Text …",
        like="Hilfreich",
        dislike="Nicht hilfreich",
        chat_title="Fragen an den Text",
        chat_intro="Die Antworten sind wörtliche Zitate aus dem Text, mit Absatznummer; die "
        "passendsten Sätze sind hervorgehoben. Answers quote the text verbatim; ask in German "
        "or English.",
    ),
    rejections=MappingProxyType(
        {
            "not text": "Die Frage muss Text sein.",
            "binary": "Die Frage enthält Steuerzeichen oder Binärdaten; bitte als einfachen "
            "Text eingeben.",
            "empty": "Die Frage ist leer; bitte eine Frage zum Text eingeben.",
            "too long": "Die Frage ist {length} Zeichen lang; erlaubt sind {limit}. Bitte "
            "kürzer fragen.",
            "no words": "Die Frage enthält keine Wörter; bitte eine Frage zum Text eingeben.",
            # No example question here: these are said on every text the bot serves.
            "repeats": "Die Frage wiederholt dieselben Wörter; bitte einmal und als ganzen "
            "Satz fragen.",
            "names nothing": "Die Frage sagt nicht, worum es geht; bitte nennen, was Sie im "
            "Text suchen.",
            "history": "Der Verlauf muss eine Liste früherer Fragen sein.",
            "token": "Diese Schnittstelle verlangt einen Zugangsschlüssel: senden Sie "
            "„Authorization: Bearer <Schlüssel>“; den Schlüssel vergibt, wer den Bot betreibt.",
            "sign in": "Bitte melden Sie sich im Intranet an und öffnen Sie die Seite dann erneut.",
            "too many": "Zu viele Fragen in kurzer Zeit; bitte in {seconds} Sekunden "
            "wieder fragen.",
            "too many votes": "Zu viele Bewertungen in kurzer Zeit; bitte in {seconds} "
            "Sekunden noch einmal versuchen.",
        }
    ),
)
