"""Word lists and vectorised string assembly for the simulator.

Everything here is data or a pure helper: the lists are deliberately varied (names, words,
domains, clients, bio fragments) so organic accounts rarely collide by accident, and the
helpers build millions of strings with pyarrow kernels instead of Python loops.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _words(text: str) -> list[str]:
    """Whitespace-separated words of a long literal, in order."""
    return text.split()


FIRST_NAMES = _words("""
james mary john patricia robert jennifer michael linda william elizabeth david barbara richard
susan joseph jessica thomas sarah charles karen daniel nancy matthew lisa anthony betty mark
margaret donald sandra steven ashley paul kimberly andrew emily joshua donna kenneth michelle
kevin carol brian amanda george melissa timothy deborah ronald stephanie edward rebecca jason
laura jeffrey sharon ryan cynthia jacob kathleen gary amy nicholas angela eric shirley jonathan
anna stephen brenda larry pamela justin emma scott nicole brandon helen benjamin samantha samuel
katherine gregory christine alexander debra frank rachel patrick carolyn raymond janet jack
catherine dennis maria jerry heather tyler diane aaron ruth jose julie adam olivia nathan joyce
henry virginia douglas victoria zachary kelly peter lauren kyle christina ethan joan walter
evelyn noah judith jeremy megan christian andrea keith cheryl roger hannah terry jacqueline
gerald martha harold gloria sean teresa austin ann carl sara arthur madison lawrence frances
dylan kathryn jesse janice jordan jean bryan abigail billy alice joe julia bruce judy gabriel
sophia logan grace albert denise willie amber alan doris juan marilyn wayne danielle elijah
beverly randy isabella roy theresa vincent diana ralph natalie eugene brittany russell charlotte
bobby marie mason kayla philip alexis louis lori priya arjun wei mei yuki hiroshi fatima omar
aisha mohammed carlos sofia lucas mateo valentina diego camila ines luca giulia lars ingrid sven
freya kofi amara chidi ngozi tariq leila nadia ivan olga dmitri anya pierre chloe hugo lea""")

LAST_NAMES = _words("""
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris
sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill
flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips
evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers
gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson
watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders
patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman butler
henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton
graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina
aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington
kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter
hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black
robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson
nichols stephens soto weaver ryan gardner payne grant dunn kowalski novak yamamoto tanaka singh
kumar okafor mensah haddad rossi bianchi muller schneider dubois lefebvre andersen larsen nilsen
virtanen""")

WORDS = _words("""
the a to and of in is it you that for on this with was i be are have not at just but so my they
we all like your what about from if get can people its one will more out up no do time me how
when think today know good now would new who really day going there them see got because make
want some right back need only still us year love great much even way also first say well work
news take after over never life too should better thing many last things long look could world
every best here feel other country same while next lot government week state vote money again
real big read man game thank help pay night public story point days women sure show old true
down policy city home house family school team health care plan free bad little watch whole
media local report season morning power trust hope together change play music movie water
weather coffee dinner friends kids dog cat garden street park weekend train bus traffic rain sun
snow summer winter spring autumn book article podcast video photo thread question answer issue
problem idea support against during before since until around price cost market job jobs tax
taxes law court police election campaign debate council mayor budget housing rent energy climate
food hospital doctor nurse teacher student class exam office meeting project launch update
release data study research science space tech phone app online account post tweet comment reply
share follow link site page live event match final score goal win lose fans club league player
coach stadium ticket concert album song band tour festival beach trip flight airport hotel road
bridge river lake mountain town village shop store brand product service customer delivery order
package driver worker workers union strike wage wages shift warehouse manager company business
startup investor bank loan crypto stock honestly literally actually basically probably
definitely totally seriously absolutely finally amazing awesome terrible awful weird funny crazy
wild nice cool lovely beautiful quiet loud happy sad angry tired excited proud worried sorry
glad lucky busy late early ready""")

HASHTAGS = _words("""
news breaking politics election vote climate energy housing rent health nhs covid tech ai
startups crypto bitcoin football soccer nba nfl mlb cricket f1 tennis music nowplaying movies tv
netflix gaming books reading writing poetry photography art design travel food foodie coffee
vegan fitness running cycling yoga mentalhealth parenting education teachers science space nasa
astronomy weather rain heatwave storm jobs hiring remotework economy inflation budget taxes
unions strike workers labour smallbusiness marketing seo socialmedia podcast webdev python
javascript opensource linux security privacy dataviz journalism localnews cityhall transit bikes
urbanism gardening dogs cats caturday dogsoftwitter wildlife nature hiking camping beach sunset
mondaymotivation tbt fridayfeeling weekend worldcup olympics superbowl oscars grammys eurovision
pride blm metoo nomore tgif""")

DOMAINS = _words("""
nytimes.com bbc.co.uk theguardian.com reuters.com apnews.com washingtonpost.com cnn.com
foxnews.com nbcnews.com cbsnews.com bloomberg.com ft.com wsj.com economist.com npr.org
politico.com axios.com vox.com slate.com theatlantic.com newyorker.com wired.com theverge.com
techcrunch.com arstechnica.com engadget.com medium.com substack.com youtube.com youtu.be
instagram.com tiktok.com reddit.com github.com stackoverflow.com wikipedia.org imdb.com
spotify.com open.spotify.com soundcloud.com bandcamp.com twitch.tv amazon.com ebay.com etsy.com
gofundme.com change.org eventbrite.com meetup.com latimes.com chicagotribune.com nypost.com
usatoday.com huffpost.com buzzfeednews.com aljazeera.com dw.com france24.com lemonde.fr
spiegel.de elpais.com corriere.it abc.net.au smh.com.au cbc.ca globalnews.ca thestar.com
irishtimes.com independent.co.uk telegraph.co.uk dailymail.co.uk mirror.co.uk sky.com itv.com
espn.com bleacherreport.com goal.com skysports.com weather.com accuweather.com nature.com
science.org arxiv.org nasa.gov who.int cdc.gov gov.uk europa.eu un.org imgur.com flickr.com
vimeo.com linkedin.com blogspot.com wordpress.com tumblr.com patreon.com kickstarter.com""")

CLIENTS = ["Twitter Web App", "Twitter for iPhone", "Twitter for Android", "TweetDeck",
           "Twitter for iPad", "Hootsuite Inc.", "Buffer", "IFTTT", "TweetDeck Web App",
           "Tweetbot for iOS", "Echofon", "Twitter for Mac", "Sprout Social", "Later.com"]
CLIENT_WEIGHTS = np.array([30, 32, 26, 4, 3, 1.5, 1, 0.6, 1, 0.8, 0.3, 0.5, 0.3, 0.3])

LOCATIONS = """London|New York, NY|Los Angeles, CA|Chicago, IL|Toronto|Sydney|Melbourne|Dublin|
Manchester|Berlin|Paris|Madrid|Lagos|Nairobi|Mumbai|Delhi|Singapore|Tokyo|Seattle, WA|
Austin, TX|Boston, MA|Denver, CO|Atlanta, GA|Glasgow|Leeds|Bristol, England|Vancouver|
Auckland|Cape Town|Sao Paulo|Mexico City|USA|United Kingdom|Canada|earth|somewhere|
the internet|Brooklyn|Portland, OR|Texas|California|Florida|Ohio|Scotland|Wales|
she/her · London|on a train|Amsterdam|Stockholm|Helsinki|Oslo|Copenhagen|Rome|Milan""".replace(
    "\n", "").split("|")

BIO_FRAGMENTS = """dog mom|cat dad|coffee addict|tea drinker|runner|cyclist|gardener|
bookworm|amateur photographer|music lover|film buff|gamer|foodie|traveller|hiker|
software engineer|data scientist|nurse|teacher|student|PhD candidate|retired|
small business owner|journalist|writer|designer|artist|musician|lawyer|accountant|
parent of two|grandparent|husband|wife|proud aunt|football fan|season ticket holder|
lifelong learner|recovering perfectionist|professional overthinker|part-time philosopher|
views my own|he/him|she/her|they/them|living my best life|one day at a time|
climate optimist|urbanist|transit nerd|bird watcher|plant parent|baker|home cook|
vinyl collector|podcast host|newsletter writer|volunteer|community organiser|
union member|nurse practitioner|veteran|physio|electrician|chef|barista|librarian|
historian|science nerd|space enthusiast|chess player|crossword addict|marathoner|
yoga teacher|climber|surfer|skier|sailor|fisherman|beekeeper|knitter|potter|
indie dev|open source contributor|UX researcher|product manager|sales|recruiter|
made in Ohio|Yorkshire born|Londoner|New Yorker|Texan|Aussie abroad|expat|
trying my best|here for the memes|lurker|mostly cats|mostly football|mostly politics|
occasional tweeter|sarcasm fluent|optimist|pessimist|realist|dreamer|
founder|co-founder|CEO of my own life|ex-banker|ex-teacher|former journalist""".replace(
    "\n", "").split("|")

BIO_SEPARATORS = [" | ", ". ", " · ", ", ", " / ", " 🌿 ", " • "]

BOILERPLATE_BIOS = ["Just me.", "RT ≠ endorsement", "Opinions are my own", "Views my own.",
                    "Living life.", "", "Just here to read.", "Opinions are my own.",
                    "RTs are not endorsements", "Husband. Father. Fan."]

EMOJI = ["😂", "🙄", "😍", "🔥", "👍", "💯", "😊", "🙏", "😭", "🤔", "✨", "👏", "💪", "😡"]

BRANDS = ["Packwell", "Northvale", "Veltro", "Brightcart", "Orbisa", "Kestrel", "Solace",
          "Tallow", "Meridyn", "Quellon", "Harbrook", "Zentra"]

WORDS_P = 1.0 / np.arange(1, len(WORDS) + 1) ** 0.9
WORDS_P /= WORDS_P.sum()


def zipf_p(n: int, a: float = 1.0) -> np.ndarray:
    """Zipf-like probabilities over ``n`` ranked items (popular items first)."""
    p = 1.0 / np.arange(1, n + 1) ** a
    return p / p.sum()


def take(values: list[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` as a pyarrow string array (vectorised)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def join_lists(values: pa.Array, lengths: np.ndarray, sep: str = " ") -> pa.Array:
    """Join consecutive runs of ``values`` (run i has ``lengths[i]`` items) with ``sep``."""
    offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), values)
    return pc.binary_join(lists, sep)


def concat(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation; null parts are skipped (so optional pieces vanish)."""
    arrays = [p if isinstance(p, pa.Array | pa.ChunkedArray) else pa.array(p, pa.string())
              for p in parts if not isinstance(p, str)]
    large = any(pa.types.is_large_string(a.type) for a in arrays)
    typ = pa.large_string() if large else pa.string()
    it = iter(a.cast(typ) for a in arrays)
    full = [pa.scalar(p, typ) if isinstance(p, str) else next(it) for p in parts]
    return pc.binary_join_element_wise(*full, pa.scalar(sep, typ), null_handling="skip")


def random_texts(rng: np.random.Generator, n: int, *, min_words: int = 4,
                 max_words: int = 22) -> pa.Array:
    """``n`` original-looking sentences drawn from a Zipf vocabulary (they rarely collide)."""
    lengths = rng.integers(min_words, max_words + 1, size=n)
    words = take(WORDS, rng.choice(len(WORDS), size=int(lengths.sum()), p=WORDS_P))
    body = pc.utf8_capitalize(join_lists(words, lengths))
    ends = np.array(["", ".", ".", "!", "?", "...", " lol", " 😂", " 🙄", " 🔥"], dtype=object)
    return concat(body, take(list(ends), rng.integers(0, len(ends), size=n)))


def maybe(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    """``arr`` with entries where ``keep`` is False set to null."""
    return pc.if_else(pa.array(np.asarray(keep, dtype=bool)), arr, pa.nulls(len(arr), pa.string()))


_CHOICE = re.compile(r"\{([^{}]*)\}")


def parse_template(template: str) -> list[list[str]]:
    """Split 'a {x|y|} b' into slots [['a '], ['x', 'y', ''], [' b']]."""
    slots: list[list[str]] = []
    pos = 0
    for m in _CHOICE.finditer(template):
        if m.start() > pos:
            slots.append([template[pos:m.start()]])
        slots.append(m.group(1).split("|"))
        pos = m.end()
    if pos < len(template):
        slots.append([template[pos:]])
    return slots


def render_template(rng: np.random.Generator, template: str, n: int, *,
                    fill: dict[str, str] | None = None, vary: float = 1.0) -> pa.Array:
    """Render ``n`` variants of a '{a|b}' template: each slot picks an alternative per row.

    With ``vary`` < 1 a slot keeps its first alternative with probability 1 - vary, so
    renders stay closer to one canonical text.
    """
    if fill:
        for key, value in fill.items():
            template = template.replace(f"<{key}>", value)
    parts = []
    for alts in parse_template(template):
        if len(alts) == 1:
            parts.append(alts[0])
            continue
        idx = rng.integers(0, len(alts), size=n)
        idx[rng.random(n) >= vary] = 0
        parts.append(take(alts, idx))
    if all(isinstance(p, str) for p in parts):
        return pa.array(["".join(parts)] * n, pa.string())  # type: ignore[arg-type]
    out = concat(*parts)
    out = pc.replace_substring_regex(out, r"\s+", " ")
    return pc.utf8_trim_whitespace(out)
