"""English."""

from __future__ import annotations

from types import MappingProxyType

from .vocabulary import Messages, Vocabulary, WidgetWords

__all__ = ["VOCABULARY"]

_NUMBER_WORDS = (
    r"(?:\d+(?:[.,]\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|half an?|several|a few)"
)

VOCABULARY = Vocabulary(
    # Frequent function words that German does not share ("was" and "will" are in both).
    function_words=frozenset(
        (
            "the a and is are who how what why where when which not with of to for on at has "
            "have be does do did says say it they i you we can there about or but this that "
            "from by were been much many"
        ).split()
    ),
    letters="",
    joins=(),
    question_words=frozenset(
        (
            "who whom whose what which when where why how does do did done is are was were be "
            "been has have had can could would should will shall may might must you your"
        ).split()
    ),
    continuations=frozenset("and but also so".split()),
    back_references=frozenset(
        "it its they them their theirs this that these those he she his her".split()
    ),
    back_phrases=("the company", "the firm", "what about"),
    back_without_noun=frozenset(),  # "that" points back as a determiner too ("that pattern")
    about_the_text=(
        r"\b(?:(?:in|according to|by|from)\s+)?(?:(?:the|this)\s+)?"
        r"(?:text|article|essay|document|author|writer)(?:'s)?\b"
    ),
    naming=r"\b(?:mentioned|named|listed|cited|mentions?)\b",
    there_is="are there",
    dangling=r"\b(?:are|is|does|do)$",
    asks=MappingProxyType(
        {
            "time": (
                r"when|since when|until when|by when|(?:at )?what time|how long|how often|"
                r"(?:in )?(?:what|which) (?:year|month|date|days?)|on (?:what|which) days?"
            ),
            "price": (
                r"how much (?:does|do|did|is|are) [^?]{1,60} cost|how expensive|"
                r"what (?:does|do|did) [^?]{1,60} cost|what is the (?:price|cost|fee)|"
                r"how much (?:is|are) (?:a|an|the)\b"
            ),
            "quantity": r"how many|how much|how big|how large|how far|how high",
            "person": (
                r"who|whom|whose|(?:to|with|by|from|for) whom|"
                r"which (?:company|companies|person|people|organi[sz]ations?|department|team)"
            ),
            "place": r"where|in (?:what|which) (?:city|country|room|building|town)",
        }
    ),
    gives=MappingProxyType(
        {
            "time": (
                r"\b(?:1[5-9]\d\d|20\d\d)\b|\b\d{1,2}:\d{2}\b|\bo'clock\b|"
                r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)|"
                r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|weekday|"
                r"holiday)s?\b|"
                r"\b(?:daily|weekly|monthly|yearly|annually|mornings?|afternoons?|evenings?|"
                r"nights?|noon|midnight|century|centuries|decades?|quarterly)\b|"
                r"\b(?:twice|three times|every|per (?:day|week|month|year|hour)|regularly|"
                r"hourly)\b|"
                r"\b(?:as soon as|once|after|before|until|prior to|immediately|beforehand|"
                r"in advance|afterwards|at the latest)\b|"
                rf"\b{_NUMBER_WORDS}\s+(?:second|minute|hour|day|week|month|year|quarter)s?\b"
            ),
            "price": (
                r"[€$£]|\b(?:euros?|cents?|eur|dollars?|pounds?|free of charge|for free|no charge|"
                r"at no cost|price|prices|costs?|fees?)\b"
            ),
            "quantity": (
                r"\d|\b\w*(?:hundred|thousand|million|billion|dozen)|"
                r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                r"forty|fifty|half|third|quarter|twice|double|percent|euros?|cents?|dollars?|"
                r"free of charge|for free)\b|[€$£]"
            ),
            "person": (
                r"\b(?:mr|mrs|ms|dr|prof)\.?\s+[A-Z]|"
                r"\b(?:company|companies|corporation|inc|ltd|foundation|institute|university|"
                r"department|team|manager|staff|employees?|colleagues?|founders?|developers?|"
                r"researchers?|maintainers?|vendors?|operators?)\b"
            ),
            "place": (
                r"\b(?:room|floor|building|hall|office|street|road|square|city|town|country|"
                r"site|campus|region|station|entrance|basement|address|website|directory|"
                r"folder|page)s?\b|\b(?:left|right|upstairs|downstairs|next to|opposite|"
                r"behind|between|inside|outside)\b|https?://|/\w+"
            ),
        }
    ),
    gives_cased=MappingProxyType(
        {
            # Months by their capital, so "This may change" is no date.
            "time": (
                r"\b(?:January|February|March|April|May|June|July|August|September|October|"
                r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b"
            ),
            # Names: a capitalised word inside an English sentence, and acronyms.
            "person": r"\b[A-Z]{2,}[a-z]*\b|\b[A-Z][a-z]+[A-Z]\w*|(?<=[a-z,] )[A-Z][a-z]+",
        }
    ),
    messages=Messages(
        answered="This is what the text says:",
        related="The text does not answer that directly; this comes closest:",
        silent="The text says nothing about that.",
        paragraph="Paragraph",
        page="p.",
        slide="slide",
        answered_label="Answer",
        related_label="Related only",
        silent_label="No answer",
    ),
    widget=WidgetWords(
        title="Ask the text",
        full="Full text",
        ask="Ask",
        clear="New",
        label="Question",
        placeholder="Question about the text",
        failed="The question could not be answered.",
        greeting="Hello! I answer in the text’s own words: verbatim quotes, with their paragraph.",
        try_="For example:",
        about="What does the text say about “{topic}”?",
        helpful="Helpful?",
        yes="Yes",
        no="No",
        thanks="Thanks for the feedback!",
        comment="What was missing? (optional)",
        send="Send",
        copy="Copy",
        copied="Copied",
        searching="Searching the text …",
        like="Helpful",
        dislike="Not helpful",
        chat_title="Questions about the text",
        chat_intro="The answers are verbatim quotes from the text, with their paragraph "
        "number; the sentences that matter most are highlighted. Ask in English or German.",
    ),
    rejections=MappingProxyType(
        {
            "not text": "The question must be text.",
            "binary": "The question contains control characters or binary data; type it as "
            "plain text.",
            "empty": "The question is empty; type a question about the text.",
            "too long": "The question is {length} characters long; the limit is {limit}. Ask "
            "something shorter.",
            "no words": "The question has no words in it; type a question about the text.",
            # No example question here: these are said on every text the bot serves.
            "repeats": "The question repeats the same words; ask it once, as a whole sentence.",
            "names nothing": "The question does not say what it is about; name what you are "
            "looking for in the text.",
            "history": "The history must be a list of earlier questions.",
            "token": 'This API needs an access token: send "Authorization: Bearer <token>"; '
            "whoever runs the bot hands out the tokens.",
            "sign in": "Please sign in to the intranet, then open the page again.",
            "too many": "Too many questions in a short time; ask again in {seconds} seconds.",
            "too many votes": "Too many votes in a short time; try again in {seconds} seconds.",
        }
    ),
)
