"""How people ask, mapped onto the command registry: a small table of intents.

Members write "can anyone help with SIMS?", "my profile" or "RSVP 1 yes" rather than the
command grammar. Each `Intent` here is data: phrasings (regular expressions over a
normalised form of the message) and routes, the first route whose command is registered
being the one used. So "anyone know about X" goes to `ask preview` (whom it would ask,
sent on a yes) as soon as a capability registers it, and to `whodone` until then,
without touching this matcher.

Normalising makes the phrasings short and tolerant of how people type: lower case, no
punctuation, "any one"/"anybody"/"any1" read as "anyone", "u" as "you", and words of the
phrasings' own vocabulary corrected when misspelt ("experiance"). The topic an intent
captures is cut from the original words, so "SIMS" stays "SIMS".

Unknown input gets `suggestions`: the closest commands (by spelling of the first words, by
the words of each command's description, or the text as a topic to look up).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.commands import Command, CommandRegistry


@dataclass(frozen=True)
class Route:
    """A command an intent can run, with its arguments as templates: "{topic}" is a
    phrasing's named group, "{text}" the whole message as typed."""

    command: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Phrasing:
    pattern: str
    """Matched against the whole normalised message."""
    fixed: Mapping[str, str] = field(default_factory=dict)
    """Groups this phrasing implies without saying them ("count me in" -> answer=going)."""


@dataclass(frozen=True)
class Intent:
    name: str
    phrasings: tuple[Phrasing, ...]
    routes: tuple[Route, ...]
    """In order of preference: the first whose command is registered is used."""

    @cached_property
    def compiled(self) -> tuple[tuple[re.Pattern[str], Mapping[str, str]], ...]:
        return tuple((re.compile(p.pattern), p.fixed) for p in self.phrasings)

    def route(self, registry: CommandRegistry) -> tuple[Command, Route] | None:
        for route in self.routes:
            command = registry.get(route.command)
            if command is not None:
                return command, route
        return None


def _p(pattern: str, **fixed: str) -> Phrasing:
    return Phrasing(pattern, fixed)


# -- shared pieces of phrasings (over normalised text) -----------------------------------------
_PEOPLE = r"(?:anyone|someone|everyone|people|folks|you all|any of you|colleagues|others)"
_WHERE = r"(?: here| else| out there| in the network| on here| around)?"
_LEAD = (r"(?:(?:hi|hello|hey|morning|afternoon)(?: all| everyone| folks| team| there)? )?"
         r"(?:(?:quick|random|silly|daft) question )?(?:sorry |just wondering |wondering )?"
         r"(?:(?:please|so) )?")
_TAIL = r"(?: (?:please|thanks|thank you|at all|by any chance|out there|anyone|cheers))*"
_TOPIC = r"(?P<topic>.+?)"
_ABOUT = r"(?:about|of|on|with|for|regarding|around|in|re)"
_ADVICE = (r"(?:advice|tips|experience|recommendations|thoughts|ideas|pointers|"
           r"suggestions|help|guidance|knowledge|expertise|insight|insights|views|info|"
           r"information|feedback)")
_DONE = (r"(?:used|use|using|tried|try|trying|done|doing|implemented|implementing|"
         r"worked with|working with|work with|set up|setting up|rolled out|rolling out|"
         r"deployed|introduced|run|ran|running|led|built|launched|adopted|taught|"
         r"moved to|switched to|migrated to|looked at|looked into|played with|"
         r"experimented with|had a go (?:at|with)|dabbled (?:in|with)|trialled|trialed|"
         r"piloted|bought|got)")
_MEET_ID = r"(?:(?:teachmeet|event|meet|number|no) )?#?(?P<id>\d{1,9})"
_ANSWER = r"(?P<answer>yes|y|no|n|going|maybe|not going|notgoing|cant go|can not go)"

INTENTS: tuple[Intent, ...] = (
    Intent(
        name="ask anyone",
        # a casual phrase previews whom it would ask and waits for a yes (`ask` sends)
        routes=(Route("ask preview", {"question": "{text}"}),
                Route("whodone", {"query": "{topic}"})),
        phrasings=(
            _p(rf"{_LEAD}(?:(?:does|has|did|do|would) )?{_PEOPLE}{_WHERE} (?:know|knows|knew|"
               r"heard|hear|understand|understands)(?: (?:anything|much|something|a bit|a "
               r"lot|a little|a thing|owt|stuff|more))? (?:about|of|on|re|regarding|around) "
               rf"{_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:can|could|would|will|might) {_PEOPLE}{_WHERE}(?: please)? "
               r"(?:help|advise|assist|support|point me in the right direction|give (?:me )?"
               rf"(?:some )?{_ADVICE})(?: (?:me|us|out|me out|us out))?(?: please)? "
               rf"(?:with|on|about|regarding|re|for|around) {_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:(?:does|has|do|did) )?{_PEOPLE}{_WHERE} (?:(?:got|have|had|has|"
               r"with) )?(?:any |some |much )?(?:experience|expertise|knowledge|background) "
               rf"(?:of|with|in|using|on|around|doing|running|about) {_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:(?:has|have|did|does|do|is|are) )?{_PEOPLE}{_WHERE}"
               rf"(?: (?:ever|already|previously|recently|successfully))? {_DONE} "
               rf"{_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:(?:is|are) )?{_PEOPLE}{_WHERE} (?:familiar|experienced|good|"
               r"confident|an expert|expert|knowledgeable|clued up|au fait) "
               rf"(?:with|at|in|on|about) {_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:is|are) there {_PEOPLE}{_WHERE} (?:who|that|which)"
               r"(?: (?:has|have|had|knows|know|can|could|is|are|does|did|uses|use))+"
               r"(?: (?:experience|knowledge|familiar|expert|help|advise|used|done|tried|"
               r"worked|used|using))?(?: (?:of|with|in|on|about|using))? "
               rf"{_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}who (?:knows|know|can help|could help|can advise|has experience|"
               r"has any experience|is good|is an expert|understands|uses|is using|has used|"
               r"has tried|is familiar)(?: (?:anything|much|me|us))?(?: (?:about|with|of|on|"
               rf"at|in))? {_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:(?:does|has|do) {_PEOPLE}{_WHERE} (?:have|got|got any|have any) |"
               rf"{_PEOPLE}{_WHERE} (?:have|got|with) |(?:i need|i would like|id like|i want|"
               r"im after|i am after|im looking for|i am looking for|looking for|seeking|"
               r"got|need|any|anyone got any|some|after) )(?:any |some |a bit of |a little )?"
               rf"(?:good |useful |practical |top )?{_ADVICE} {_ABOUT} {_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:i am |im |i was |were |we are )?(?:looking for|need|needing|"
               r"after|trying to find|want to find|hoping to find|searching for) "
               r"(?:someone|anyone|a colleague|colleagues|people|somebody|a person|an expert)"
               r"(?: (?:who|that|with))?(?: (?:has|have|knows|know|can|could|is|are))*"
               r"(?: (?:experience|knowledge|help|advise|done|used|tried|familiar|"
               rf"expertise|good))?(?: (?:of|with|in|on|about|at))? {_TOPIC}{_TAIL}"),
            _p(rf"{_LEAD}(?:i )?(?:need|could do with|could use|would love|would like|want) "
               r"(?:some |a bit of |a little )?help (?:with|on|about|regarding|re) "
               rf"{_TOPIC}{_TAIL}"),
        )),
    Intent(
        name="my profile",
        routes=(Route("profile"),),
        phrasings=(
            _p(r"(?:(?:please )?(?:show|view|see|display|open|check|get|give|let me see|can i "
               r"see|could i see|where is|wheres|look at|pull up)(?: me)? )?(?:my|me) "
               r"(?:own )?(?:profile|details|info|information|page|card|profile page|entries"
               r"|stuff|record)(?: please)?"),
            _p(r"(?:what (?:is|s)|whats) (?:on|in) my (?:profile|page|record)"),
            _p(r"(?:what|how) do (?:you|people|others|members) (?:see|know|have) (?:about|of|"
               r"on|for) me"),
            _p(r"who am i"),
        )),
    Intent(
        name="edit my profile",
        routes=(Route("intro"),),
        phrasings=(
            _p(r"(?:(?:i want to|i would like to|id like to|how do i|how can i|can i|let me|"
               r"please) )?(?:edit|update|change|fix|correct|complete|fill in|set up|write) "
               r"(?:my|me) (?:profile|details|bio|info|information|intro|introduction)"
               r"(?: please)?"),
        )),
    Intent(
        name="rsvp",
        routes=(Route("teachmeet rsvp", {"id": "{id}", "answer": "{answer}"}),),
        phrasings=(
            _p(rf"rsvp(?: (?:to|for))? {_MEET_ID}(?: as)? {_ANSWER}(?: please)?"),
            _p(rf"rsvp {_ANSWER}(?: (?:to|for))? {_MEET_ID}(?: please)?"),
            _p(rf"(?:i am|im|i will be|ill be|we are|were|count me|put me down as|sign me up"
               r"|mark me as|mark me|put me down) (?:going|coming|in|attending|there|down)"
               rf"(?: (?:to|for|at))? {_MEET_ID}(?: please)?", answer="going"),
            _p(rf"(?:sign me up|book me in|book me|register me|add me)(?: (?:for|to|on))? "
               rf"{_MEET_ID}(?: please)?", answer="going"),
            _p(rf"(?:i )?(?:cant|can not|cannot|wont be able to|will not be able to|am unable"
               r" to|unable to) (?:make|come to|come|go to|attend|do|get to)(?: it to)? "
               rf"{_MEET_ID}(?: (?:after all|anymore|any more|sorry))*",
               answer="not going"),
            _p(rf"(?:i )?(?:might|may) (?:come|go|make it|attend)(?: (?:to|for|at))? "
               rf"{_MEET_ID}", answer="maybe"),
            _p(rf"maybe (?:for|to|at) {_MEET_ID}", answer="maybe"),
        )),
    Intent(
        name="meet requests",
        routes=(Route("meet requests"),),
        phrasings=(
            _p(r"(?:(?:show|list|see|check|view|any|get)(?: me)? )?(?:my |our )?(?:new |open |"
               r"pending |waiting |outstanding )?(?:meet|meeting|introduction|intro) "
               r"requests?(?: (?:for me|to me|i have|waiting))?"),
            _p(r"(?:do i have|have i got|have i had|did i get|i have|got) (?:any )?(?:new |"
               r"pending |waiting |open )?(?:meet |meeting |introduction )?requests"),
            _p(r"(?:who|anyone|has anyone|does anyone) (?:wants?|asked|has asked|want) to "
               r"(?:meet|talk to|speak to|chat with|hear from) me"),
            _p(r"(?:(?:show|list|see|check|view|get)(?: me)? )?(?:any |my )?(?:new |pending |"
               r"open |waiting )?requests(?: for me)?"),
        )),
    Intent(
        name="upcoming teach-meets",
        routes=(Route("teachmeet list"),),
        phrasings=(
            _p(r"(?:(?:are there|is there|any|show me|list|what are the|whats|what is|when "
               r"is|when are|where is|wheres) )?(?:any )?(?:the )?(?:upcoming |next |future "
               r"|new |forthcoming )?teachmeets?(?: (?:coming up|soon|on|happening|near me|"
               r"this (?:week|month|term)|next (?:week|month|term)))*"),
            _p(r"(?:whats|what is|anything) (?:on|coming up|happening)(?: (?:soon|this (?:week"
               r"|month|term)|next (?:week|month|term)))*"),
        )),
    Intent(
        name="find resources",
        routes=(Route("pins", {"query": "{topic}"}),),
        phrasings=(
            _p(rf"{_LEAD}(?:(?:are there|is there|any|got any|do you have|have you got|"
               r"find|search for|search|looking for|im looking for|i am looking for|i need|"
               r"need|show me|recommend) )?(?:any |some |a |good |useful )*(?:resources?|"
               r"links?|guides?|materials|reading|websites?|articles?|toolkits?|"
               rf"documents|docs) {_ABOUT} {_TOPIC}{_TAIL}"),
        )),
    Intent(
        name="hello",
        routes=(Route("hello"),),
        phrasings=(
            _p(r"(?:hi|hello|hey|hiya|heya|hey ya|howdy|yo|greetings|good (?:morning|"
               r"afternoon|evening|day)|morning|afternoon|evening|hallo|helo|hullo|hola|"
               r"sup|whats up|wassup|salut|hey hey|ahoy|bonjour|shwmae|sut mae|hei)"
               r"(?: (?:there|staffroom|bot|all|everyone|folks|team|you|again|friend|mate|"
               r"pal|people|yall|you all|guys))*(?: (?:how are you|how are you doing|how "
               r"is it going|hows it going|how are things|how do you do|whats new))?"),
            _p(r"(?:what (?:can|do) (?:you|staffroom|this bot|the bot|this) do|how (?:does "
               r"this|do you|does staffroom|does the bot) work|what (?:are|is) (?:you|"
               r"staffroom|this bot|this)|who are you|where do i (?:start|begin)|how do i "
               r"(?:start|begin|use (?:this|you|staffroom|the bot))|im new(?: here)?|i am new"
               r"(?: here)?|new here|getting started|get started|start|lets start|"
               r"what now)(?: (?:then|please|exactly))*"),
        )),
    Intent(
        name="thanks",
        routes=(Route("thanks"),),
        phrasings=(
            _p(r"(?:(?:ok|okay|great|brilliant|perfect|lovely|awesome|excellent|super|"
               r"fab|fantastic|cool|nice|amazing|wonderful|ace|grand|smashing|that is great|"
               r"thats great|that is brilliant|thats brilliant|thats perfect|that is "
               r"perfect|thats helpful|that is helpful|very helpful|helpful|got it|oh) )*"
               r"(?:thanks|thank you|thank u|thankyou|ty|cheers|ta|many thanks|much "
               r"appreciated|appreciate it|appreciated|diolch|merci|nice one|legend|you are"
               r" a star|youre a star|star)(?: (?:so much|very much|a lot|a million|again|"
               r"for that|for the help|for your help|staffroom|bot|mate|all|loads|heaps|"
               r"muchly|lots|x|xx|very|much|indeed))*(?: (?:that is|thats|that was|this is|"
               r"its|it is|it was|that helps|that helped)(?: (?:really|very|so|super|"
               r"really very))?(?: (?:great|helpful|perfect|brilliant|useful|lovely|"
               r"amazing|ace|handy|kind|good))?)?"),
        )),
)


# -- normalising ----------------------------------------------------------------------------
_EDGE = "\"'“”‘’()[]{}<>,.!?;:…*_~`-–—"
_FOLD_PAIRS = {("any", "one"): "anyone", ("any", "body"): "anyone", ("some", "one"): "someone",
               ("some", "body"): "someone", ("every", "one"): "everyone",
               ("every", "body"): "everyone", ("teach", "meet"): "teachmeet",
               ("teach", "meets"): "teachmeets", ("thank", "u"): "thank you",
               ("thank", "yu"): "thank you", ("r", "u"): "are you"}
_FOLD_WORDS = {"anybody": "anyone", "any1": "anyone", "ne1": "anyone", "anyon": "anyone",
               "somebody": "someone", "some1": "someone", "everybody": "everyone",
               "every1": "everyone", "u": "you", "yu": "you", "ya": "you", "abt": "about",
               "bout": "about", "w": "with", "w/": "with", "wrt": "about",
               "pls": "please", "plz": "please", "plse": "please", "thx": "thanks",
               "thanx": "thanks", "thnx": "thanks", "tnx": "thanks", "thks": "thanks",
               "tks": "thanks", "thankyou": "thank you", "tm": "teachmeet",
               "tms": "teachmeets", "teach-meet": "teachmeet", "teach-meets": "teachmeets",
               "teachmeet's": "teachmeets", "exp": "experience", "xp": "experience",
               "ppl": "people", "peeps": "people", "yall": "you all", "yr": "your",
               "ur": "your", "hav": "have", "hv": "have", "knw": "know", "kno": "know",
               "n": "no", "y": "yes", "recs": "recommendations",
               "recos": "recommendations", "havent": "have not", "didnt": "did not",
               "doesnt": "does not", "dont": "do not",
               "hiii": "hi", "hii": "hi", "heyy": "hey", "heyyy": "hey", "helloo": "hello",
               "hellooo": "hello", "helllo": "hello", "thankss": "thanks",
               "thanksss": "thanks", "yess": "yes", "pleas": "please"}
_KEEP = re.compile(r"#?\d+|[a-z]{1,3}")
MAX_CHARS = 400


def _clean_word(word: str) -> str:
    word = unicodedata.normalize("NFKC", word).lower().strip(_EDGE)
    return word.replace("'", "").replace("’", "")


@dataclass(frozen=True)
class Normalised:
    """The normalised message, and for each of its words the original words it came from."""

    text: str
    spans: tuple[tuple[int, int], ...]
    """Per normalised word: (first, last) index into `original`."""
    original: tuple[str, ...]

    def words_of(self, start: int, end: int) -> str:
        """The original words behind characters start..end of `text`."""
        pos, covered = 0, []
        for word_index, word in enumerate(self.text.split(" ")):
            if pos < end and pos + len(word) > start:
                covered.append(word_index)
            pos += len(word) + 1
        if not covered:
            return ""
        first = self.spans[covered[0]][0]
        last = self.spans[covered[-1]][1]
        return " ".join(self.original[first:last + 1]).strip(_EDGE + " ").lstrip("#")


class Matcher:
    """The intents of a registry, with the vocabulary their phrasings are written in."""

    def __init__(self, intents: Sequence[Intent]) -> None:
        self.intents = tuple(intents)
        words: set[str] = set(_FOLD_WORDS.values()) | set(_FOLD_PAIRS.values())
        for intent in self.intents:
            for phrasing in intent.phrasings:
                source = re.sub(r"\(\?P<\w+>", "(", phrasing.pattern)
                words.update(re.findall(r"(?<!\\)\b[a-z]{4,}\b", source))
        for fragment in (_LEAD, _PEOPLE, _ADVICE, _DONE, _TAIL, _WHERE):
            words.update(re.findall(r"(?<!\\)\b[a-z]{4,}\b", fragment))
        self.vocabulary = frozenset(w for w in words if " " not in w)
        self._sorted = sorted(self.vocabulary)
        self._corrected: dict[str, str] = {}

    def _correct(self, word: str) -> str:
        """A misspelt word of the phrasings' vocabulary, corrected ("experiance")."""
        if word in self.vocabulary or len(word) < 4 or not word.isalpha():
            return word
        if word not in self._corrected:
            if len(self._corrected) > 10_000:
                self._corrected.clear()
            close = difflib.get_close_matches(word, self._sorted, n=1, cutoff=0.8)
            self._corrected[word] = close[0] if close else word
        return self._corrected[word]

    def normalise(self, text: str) -> Normalised:
        original = tuple(text.split())
        cleaned = [_clean_word(w) for w in original]
        out: list[tuple[str, int, int]] = []
        i = 0
        while i < len(cleaned):
            word = cleaned[i]
            if not word:
                i += 1
                continue
            pair = _FOLD_PAIRS.get((word, cleaned[i + 1])) if i + 1 < len(cleaned) else None
            if pair is not None:
                out.extend((part, i, i + 1) for part in pair.split())
                i += 2
                continue
            folded = _FOLD_WORDS.get(word)
            if folded is None and not _KEEP.fullmatch(word):
                folded = self._correct(word)
            for part in (folded or word).split():
                out.append((part, i, i))
            i += 1
        return Normalised(" ".join(w for w, _, _ in out), tuple((a, b) for _, a, b in out),
                          original)

    def match(self, registry: CommandRegistry, text: str
              ) -> tuple[Command, dict[str, str]] | None:
        """The command and raw arguments a plain-language message asks for, if any."""
        if len(text) > MAX_CHARS:  # plain-language asks are a sentence or two
            return None
        said = self.normalise(text)
        if not said.text:
            return None
        for intent in self.intents:
            routed = intent.route(registry)
            if routed is None:
                continue
            command, route = routed
            for pattern, fixed in intent.compiled:
                found = pattern.fullmatch(said.text)
                if found is None:
                    continue
                groups = dict(fixed)
                for name, value in found.groupdict().items():
                    if value is not None:
                        groups[name] = said.words_of(*found.span(name))
                if any(not v for v in groups.values()):
                    continue
                groups["text"] = text.strip()
                try:
                    args = {k: v.format(**groups) for k, v in route.args.items()}
                except KeyError:
                    continue
                return command, args
        return None


# -- suggestions for what was not understood ------------------------------------------------------
_STOP = frozenset("a an and are as at be by can do for from has have how i in is it me my "
                  "of on or please show the this to what when where who with you your".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 2}


def _stem(word: str) -> str:
    return re.sub(r"(?:ing|ed|es|s)$", "", word) if len(word) > 4 else word


def suggestions(registry: CommandRegistry, text: str, *, limit: int = 3) -> list[str]:
    """What the member may have meant, as text to type, best first."""
    words = text.split()
    if not words:
        return []
    visible = [c for c in registry.commands.values() if not c.hidden]
    names: dict[str, Command] = {}
    for command in visible:
        for name in (command.name, *command.aliases):
            names[name.lower()] = command
    found: list[str] = []
    for size in (2, 1):  # "teachmet list", "whodon chromebooks"
        if len(words) < size:
            continue
        head = " ".join(words[:size]).lower()
        for close in difflib.get_close_matches(head, list(names), n=limit, cutoff=0.75):
            rest = " ".join(words[size:])
            suggestion = f"{names[close].name} {rest}".strip() if close == names[close].name \
                else f"{close} {rest}".strip()
            if suggestion not in found:
                found.append(suggestion)
        if found:
            return found[:limit]
    wanted = {_stem(w) for w in _words(text)}
    scored: list[tuple[float, str]] = []
    for command in visible:
        about = {_stem(w) for w in _words(" ".join((command.name, *command.aliases,
                                                    command.summary, command.description)))}
        overlap = len(wanted & about)
        if overlap:
            scored.append((overlap / (1 + 0.05 * len(about)), command.name))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    found = [name for _, name in scored[:limit]]
    topic = text.strip().strip(_EDGE + " ")
    if not found and 0 < len(words) <= 5 and len(topic) <= 80:
        found = [cmd for cmd in (f"whodone {topic}", f"pins {topic}")
                 if registry.get(cmd.split()[0]) is not None]
    return found[:limit]

