#!/usr/bin/env python3
"""Build Warden's wordlists from the public sources.

Usage:
    python3 wordlists/build.py [--sources DIR]

DIR defaults to $WARDEN_WORDLIST_SOURCES, else ../shared/data/wordlist-sources
relative to the repository root. The script uses only the Python 3.11 standard
library, never reads the clock, and writes every list sorted by term, so two runs
over the same inputs produce byte-identical files.

Inputs (read-only, see SOURCES.md):
    surge-ai/profanity_en.csv   MIT        text, canonical forms, categories, severity 1-3
    dsojevic/en.json            MIT        match alternations, tags, severity 1-4
    ldnoobw/<lang>              CC BY 4.0  one term per line, 28 languages
    wordlists/curated.tsv       Warden's own entries (source "warden"), merged into en
    wordlists/allow.tsv         tokens that must never match; checked against all lists

Outputs: wordlists/en.tsv and wordlists/<lang>.tsv for every other LDNOOBW
language. The row format and every rule applied here are documented in FORMAT.md;
the tables below are the rules. Notes on what is skipped:

  * Terms with `@ $ * ! + |` or any digit are obfuscated spellings (or leetspeak
    like "2g1c", "masturb8") and are dropped: Warden's normalizer de-obfuscates text,
    so lists carry plain spellings only. For a dropped surge row the canonical forms
    surge gives for it are added instead (unless excluded below).
  * dsojevic `match` strings are split on `|`. Their only operator is `*`, meaning
    "the previous letter may repeat" (e.g. `fu*c*k`); since Warden collapses repeated
    letters before matching, `*` is removed and the base spelling kept. An
    alternative with any other regex-like syntax ([ ] ( ) { } ? + \\ ^ $) would be
    skipped and reported on stderr; the current en.json has none. dsojevic
    `exceptions` are not copied (they were read by hand when writing allow.tsv).
  * Terms shorter than 2 characters, pure digits, and terms whose words are all a
    single letter ("a s s" from "a_s_s") are dropped. For scripts written without
    spaces this drops single-character CJK terms.
  * Neutral identity words (gay, lesbian, trans, queer, muslim, jew, black, ...) are
    never list terms, and phrases containing one are dropped too (the abusive part,
    e.g. "bitch" in "gay bitch", is listed on its own), except KEEP_IDENTITY_PHRASES.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CATEGORIES = ("profanity", "sexual", "insult", "identity_attack", "threat", "self_harm")
SEVERITIES = ("low", "medium", "high")
MATCHES = ("word", "prefix", "suffix", "any")
SOURCE_ORDER = ("surge", "dsojevic", "ldnoobw", "warden")

LDNOOBW_LANGS = (
    "ar", "cs", "da", "de", "en", "eo", "es", "fa", "fi", "fil", "fr",
    "fr-CA-u-sd-caqc", "hi", "hu", "it", "ja", "kab", "ko", "nl", "no", "pl", "pt",
    "ru", "sv", "th", "tlh", "tr", "zh",
)

# --------------------------------------------------------------------------------------
# Term normalization
# --------------------------------------------------------------------------------------

OBFUSCATION = re.compile(r"[@$*!+|0-9]")
APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc"
DSOJEVIC_UNSAFE = re.compile(r"[\[\](){}?+\\^$]")


def normalize(raw: str) -> tuple[str | None, str]:
    """Return (term, "") or (None, reason). See FORMAT.md "Terms"."""
    s = unicodedata.normalize("NFKC", raw).strip()
    if not s:
        return None, "empty"
    if OBFUSCATION.search(s):
        return None, "obfuscated"
    s = s.lower()
    for a in APOSTROPHES:
        s = s.replace(a, "")
    out = []
    for ch in s:
        if ch in "-_" or ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch)[0] in "LMN":
            out.append(ch)
        # any other punctuation or symbol is dropped
    s = " ".join("".join(out).split())
    if len(s) < 2:
        return None, "short"
    if s.replace(" ", "").isdigit():
        return None, "digits"
    if all(len(w) == 1 for w in s.split()):
        return None, "single letters"
    return s, ""


def score_to_sev(score: float) -> str:
    """Severity guide shared by both sources, on surge's 1-3 scale."""
    if score < 1.5:
        return "low"
    if score < 2.5:
        return "medium"
    return "high"


def dsojevic_to_surge_scale(sev: int) -> float:
    """dsojevic 1..4 -> surge scale 1..3 (1->1.0, 2->1.67, 3->2.33, 4->3.0)."""
    return 1.0 + (sev - 1) * 2.0 / 3.0


def sev_max(a: str, b: str) -> str:
    return a if SEVERITIES.index(a) >= SEVERITIES.index(b) else b


def sev_min(a: str, b: str) -> str:
    return a if SEVERITIES.index(a) <= SEVERITIES.index(b) else b


# --------------------------------------------------------------------------------------
# English rules
# --------------------------------------------------------------------------------------

# Neutral identity words: never a term, and never part of a phrase term.
NEUTRAL_IDENTITY = {
    "gay", "gays", "gayer", "gayest", "gayness", "lesbian", "lesbians", "bisexual",
    "bisexuals", "bi", "queer", "queers", "trans", "transgender", "transsexual",
    "transvestite", "homosexual", "homosexuals", "heterosexual", "nonbinary", "enby",
    "cishet", "intersex", "asexual", "muslim", "muslims", "islam", "islamic", "jew",
    "jews", "jewish", "christian", "christians", "christ", "jesus", "catholic", "hindu",
    "sikh", "buddhist", "black", "blacks", "white", "whites", "asian", "asians",
    "african", "arab", "arabs", "mexican", "mexicans", "chinese", "indian", "latino",
    "latina", "hispanic", "immigrant", "immigrants", "nigerian", "canadian", "dutch",
    "french", "panamanian", "eskimo", "women", "woman",
}
# Hate slogans / slurs that contain an identity word but are abusive as a whole.
KEEP_IDENTITY_PHRASES = {"white power", "chinese virus"}

# Source terms that are not kept in en.tsv, with the reason. Everything here is a
# common word with a benign main sense, a neutral or clinical term, a name, noise in
# a source, or a phrase too generic to match on.
EN_EXCLUDE = {
    # common words / benign main sense
    "abbie": "name; surge lists it as a slur with canonical 'abraham'",
    "bates": "surname", "bater": "noise", "bbc": "broadcaster", "bwc": "noise",
    "bj": "initials", "bender": "common word", "buttermilk": "food",
    "cack": "cack-handed", "collared": "common word", "collaring": "common word",
    "cooties": "childish, harmless", "cornhole": "lawn game", "crow": "bird",
    "crows": "bird", "domination": "common word", "dong": "sound; currency",
    "escort": "common word", "eunuch": "historical term", "fed": "from f'ed",
    "fer": "from f'er", "fecal": "medical", "fick": "Swedish 'got', German list has it",
    "finger": "common word", "fingered": "common word", "fingering": "music",
    "fisted": "ham-fisted", "flamer": "flamethrower; forum flamer", "flamers": "common",
    "forked": "common word", "fuku": "Japanese word/name", "gyp": "to cheat; kept out",
    "hardcore": "common word", "hard core": "common word", "hustler": "common word",
    "jigger": "bar measure", "jiggs": "name", "knickers": "clothing",
    "loose woman": "dated phrase", "mfs": "file systems", "mfk": "noise",
    "mong": "Hmong/surname", "mongrel": "dog", "nicker": "horse sound", "nip": "common word",
    "nuggets": "food", "peter": "name", "playboy": "magazine; common word",
    "pegging": "pegging a currency", "phuc": "Vietnamese name", "pussy cat": "cat",
    "puss": "pus; cat", "pusses": "pus", "ramrod": "common word",
    "sack": "common word", "santorum": "surname", "scat": "music", "scissoring": "common",
    "scut": "rabbit tail", "sheet": "common word", "shet": "Scots 'shut'",
    "shrimping": "fishing", "skeet": "skeet shooting", "slit": "common word",
    "snatch": "common verb", "snowballing": "common verb", "sob": "from s.o.b.",
    "sobs": "from s.o.b.s", "spook": "ghost/spy", "spooks": "ghost/spy",
    "suck": "this sucks", "sucks": "this sucks", "swine": "animal", "swinger": "golf",
    "switch hitter": "baseball", "tart": "pastry", "tramp": "common word",
    "twinkie": "snack", "wang": "surname", "weiner": "surname", "xx": "noise",
    "sm": "from s&m", "s lut": "separator obfuscation", "j offs": "separator obfuscation",
    "barenaked": "band name", "bellesa": "brand", "dipsea": "brand", "mvtube": "site",
    "ballcuzi": "noise", "birdlock": "noise", "frolic me": "noise", "frolicme": "noise",
    "kinkster": "noise", "mdlb": "noise", "wiitwd": "noise", "zip in the wire": "noise",
    "bastinado": "historical punishment",
    # neutral, clinical or mild terms that are not abuse
    "sexual": "neutral", "sexually": "neutral", "sexuality": "identity-adjacent",
    "homoerotic": "neutral", "gay sex": "identity word", "sadism": "clinical",
    "sphincter": "anatomy", "undressing": "common word",
    "neonazi": "descriptor, not abuse", "neo nazi": "descriptor, not abuse",
    "swastika": "symbol name", "svastika": "symbol name", "suastika": "symbol name",
    "klan": "group name", "kkk": "group name", "ku kluxer": "group name",
    "jim crow": "historical term", "haji": "honorific", "hajji": "honorific",
    "hadji": "honorific", "t girl": "identity word", "tgirl": "identity word",
    "transbian": "identity word", "bicon": "identity word", "gaysian": "in-group slang",
    "gym bunny": "slang, not abuse", "gymbunny": "slang, not abuse",
    "muscle mary": "slang, not abuse", "twink": "slang, not abuse",
    "sheister": "shyster", "shiester": "shyster",
    # generic LDNOOBW phrases that would match ordinary text
    "girl on": "generic", "hot chick": "generic", "huge fat": "generic",
    "taste my": "generic", "tied up": "generic", "tight white": "generic",
    "tongue in a": "generic", "spread legs": "generic", "tainted love": "song title",
    "blonde action": "generic", "brunette action": "generic",
    "blonde on blonde action": "generic", "sultry women": "generic",
    "suicide girls": "site name", "how to kill": "generic (threats are in curated.tsv)",
    "how to murder": "generic", "make me come": "generic", "big black": "identity word",
    "style doggy": "noise", "goodpoop": "noise", "girls gone wild": "brand",
    "jelly donut": "food", "pleasure chest": "generic", "hot carl": "generic",
    "hot richard": "generic", "boston george": "noise", "double pen": "noise",
    "gin jocky": "duplicate spelling", "b to the inch": "noise",
    # repeat-collapsed matching (token runs >= term runs) would hit a common word
    "asses": "matches 'assess'", "raping": "matches 'rapping'",
    "suck my d": "fragment", "sixty nine": "number", "mushroom tip": "generic",
    "crazy sob": "from s.o.b.", "nut butter": "food", "cream pie": "dessert",
    "hickory switch": "generic", "wrapping men": "noise", "pony boy": "name (The Outsiders)",
    "ponyboy": "name (The Outsiders)", "pony girl": "generic", "ponygirl": "generic",
    "knob": "door knob",
    "coot": "bird", "coot coot": "bird",
}

# Canonical forms surge gives that are not list-worthy on their own.
EN_CANONICAL_FIX = {"niggger": "nigger", "69": None, "gay": None, "trash": None}

# ---- identity_attack ------------------------------------------------------------------
# A term whose text matches one of these is an identity_attack (slurs for race,
# ethnicity, religion, sexual orientation, gender identity, disability), whatever the
# other categories say. Patterns run on the term (words separated by single spaces).
IDENTITY_PATTERNS = [re.compile(p) for p in (
    r"nigg", r"\bnig(s|ga|ger|ah|uh|re|ra|ress)?\b", r"\bnig nog\b", r"nignog", r"nignig",
    r"niglet", r"\bniga", r"\bniguh", r"\bnigers\b", r"\bnikk", r"\bnickk", r"\bnicka",
    r"\bniccer", r"\bnuckas", r"\bneg(ga|gar)\b", r"negro", r"kneegrow", r"\bhigg",
    r"jig+(a|er|y)boo", r"jiggabu", r"\bjigg?a(s)?\b", r"jigro", r"\bw(h)?igg[ae]r", r"\bwigga",
    r"\bfag", r"\bfeg\b", r"\bphag(s|ot|ots|got|gots)?\b", r"dyke", r"trann(y|ie)", r"shemale", r"\bshe male",
    r"shmale", r"lady ?boy", r"ladiboy", r"ladboy", r"lesbo", r"\bleso\b", r"lezzie",
    r"\bhomos?\b", r"homo asses", r"oklahomo", r"fudge ?pack", r"pack(ing|er)? ?fudge",
    r"packsomefudge", r"carpet ?munch", r"pillow ?biter", r"peter ?puffer", r"gaylord",
    r"gaytard", r"queerasses", r"\bpoof", r"\bpansy", r"batty ?bo", r"\bbum ?chum",
    r"chi chi man", r"bufty|bufter", r"bean ?flicker", r"\b(rice|potato|chicken|grey|gray|bean|fag) queen",
    r"brownie (king|queen)", r"\bhermie", r"finocc?h?io", r"limp wristed",
    r"light in the (loafers|fedora|pants)",
    r"retard", r"(?<!bas)tard\b", r"\btard", r"mongoloid", r"spastic", r"\bspaz",
    r"window licker",
    r"\bk[iy]kes?\b", r"\bspi(c|ck|g|k|x)s?\b", r"spicfuck", r"spicshit", r"wet ?backs?",
    r"beaners?\b", r"\bchinks?\b", r"chinky", r"\bgook", r"\bpaki\b", r"rag ?heads?",
    r"ragtard", r"towel ?(shit)?heads?", r"camel ?jock", r"\bdark(ie|ies|y|ey|ass|fuck|shit|tard)\b",
    r"zipper ?head", r"slant ?eye", r"slantard", r"slantfreak", r"\bslanty\b",
    r"\bcoon(s|ie|ies)?\b", r"dune ?coon", r"doon ?coon", r"\bjap\b", r"\bdago\b",
    r"\bwops?\b", r"wophead", r"injun", r"redskin", r"pikey", r"goll[iy]wog", r"\bsambo\b",
    r"\bcoolie\b", r"\bgroid\b", r"\babeed\b", r"\baboe\b", r"\bheeb\b", r"\bhymie\b",
    r"\bheimie\b", r"jewboy", r"shylock", r"ching ?chong", r"china ?m[ae]n", r"curry ?muncher",
    r"porch monkey", r"jungle ?bunny", r"cotton picker", r"tar baby", r"wagon burner",
    r"spearchucker", r"buddha ?head", r"eye ?tie", r"frog ?eater", r"sheep ?shagger",
    r"oven dodger", r"rice monkey", r"pancake face", r"mayonnaise monk", r"swamp guinea",
    r"gin jockey", r"petrol ?sniffer", r"dothead", r"tacohead", r"\bkrauts?\b",
    r"honk(e)?ys?\b", r"honkies", r"\bwogs?\b", r"\bblacky\b", r"surrender monkey",
    r"china ?virus", r"chinese virus", r"white ?power", r"\bcholo\b", r"\bgreaser\b",
    r"greaseball", r"nigga lover", r"\b(ass|arse|bum|butt) ?(bandit|bandits|pirate)\b",
)]
# Terms that look like a slur to the patterns above but are not one.
NOT_IDENTITY = {"bastard", "bastards", "dumb bastard", "fucking bastard", "rat bastard",
                "hoe asses", "apeshit", "apeshite", "ape shit", "ape shite",
                "shiesterfuck", "shiesterfuckface", "shiesterfuckhead", "shiesterfucks",
                "shytfeisterfuck"}
# identity_attack is high unless listed here: slurs whose spelling also has a common
# benign sense, dated or milder terms, and in-group slang that is sometimes hostile.
# These go to human review (medium) instead of automatic removal.
IDENTITY_MEDIUM = {
    "chink", "chinks", "coon", "coons", "homo", "homos", "negro", "negroes", "negroid",
    "kraut", "krauts", "greaser", "cholo", "coolie", "pansy", "poof", "finocchio",
    "finoccio", "finochio", "shylock", "eyetie", "eye tie", "frogeater", "frog eater",
    "sheepshagger", "sheep shagger", "chinaman", "china man", "chinamen", "china men",
    "rice queen", "potato queen", "chicken queen", "grey queen", "gray queen",
    "bean queen", "brownie king", "brownie queen", "fag queen", "hermie",
    "limp wristed", "light in the loafers", "light in the fedora", "light in the pants",
    "ladyboy", "lady boy", "ladyboys", "ladyboyz", "ladiboy", "ladboys", "ladboyz",
    "gaylord", "gaylords", "china virus", "chinavirus", "chinese virus", "blacky",
    "greaseball", "mayonnaise monkey", "mayonnaise monkies", "window licker",
    "cheese eating surrender monkey", "white power", "whitepower",
}

# ---- other categories ------------------------------------------------------------------
# Insult "heads": a term whose last word ends with one of these and which contains a
# vulgar root is an insult (shithead, dickface, fuckwit, cocksucker, asshole, ...).
INSULT_HEAD = re.compile(
    r"(head|heads|headed|face|faces|wad|wads|wit|wits|whit|bag|bags|brain|brains|stain|"
    r"stick|sticks|nugget|wipe|wipes|hole|holes|licker|lickers|sucker|suckers|muncher|"
    r"munchers|gobbler|gobblers|eater|smoker|knuckle|nuckle|goblin|waffle|canoe|blimp|"
    r"blimps|bird|dip|clown|hat|boy|goon|dumpster|biscuit|trumpet|weasel|monger|zilla|"
    r"saurus rex|lope)$")
VULGAR_ROOT = re.compile(
    r"fuck|fuk|fuc|fvck|fck|phuk|phuc|shit|shite|cunt|cock|cawk|cok|dick|dik|prick|"
    r"twat|ass|azz|arse|butt|bum|jizz|cum|piss|wank|knob|nob|douche|turd|pecker|penis|"
    r"pussy|puss|whore|slut|bitch|skank|bollock|fart")
SEXUAL_ROOTS = re.compile(
    r"\bcum|jizz|blow ?(job|a load|your load)|hand ?job|rim ?job|foot ?job|dildo|"
    r"orgasm|orgy|porn|masturbat|masterbat|ejaculat|cunnilingus|fellat|an[ia]lingus|"
    r"cream ?pie|bukkake|gang ?bang|threesome|deep ?throat|dog+(ie|y|o)? ?style|dogstyle|"
    r"bondage|bdsm|fetish|\banal|\banus|penis|vagina|vag\b|vajayjay|vulva|clit|klitoris|"
    r"\btit(s|ty|ties)?\b|titt|tits\b|boob|bewbs|breast|nipple|semen|sperm|spunk|"
    r"\bhorny|\bnude|nudity|naked|\bsex|xxx|\bmilf|camgirl|camslut|camwhore|erotic|"
    r"hentai|incest|\brap(e|ist|ing)|pedo|paedo|phil(e|ia)$|zoo|bestial|beastial|"
    r"necro|upskirt|voyeur|voyuer|stripper|strip club|\bwank|jerk ?off|jerks off|"
    r"jerking off|jack ?off|jackoff|jagoff|beat off|whack off|suck off|suck my|"
    r"wank off|\b(face|finger|tongue|butt|ass|arse|dog|pig|piggy|animal|cyber|pussy|penis|"
    r"dick|swine|jizz) ?(fuck|fuk|fck|fook|fucc|fvck|fk)|circle ?jerk|jerk ?mate|chowder|"
    r"man seed|erectoplasm|throat yogurt|bonk juice|choad|\bcock|\bdick|pussy|pussies|pussie|pussys|puzz|puussy|"
    r"dominatrix|domme|strap ?on|vibrator|viagra|cialis|lovemaking|intercourse|"
    r"topless|panties|panty|\bbooty|\bbutt\b|buttcheeks|\bhump|grope|groper|molest|"
    r"sodom|felch|feltch|fisting|figging|frott|queef|queaf|squirting|golden shower|"
    r"yellow shower|brown shower|muff|smut|\bnsfw|\bporno|hooker|spank|\bboner|"
    r"schlong|shlong|\bpeen|weenie|\bknob|pecker|nutsack|ball ?sack|ballbag|\bbollock|"
    r"crotch|cameltoe|camel toe|\bpubes|genital|rectum|\bbusty|\bbbw|lolita|\bshota|"
    r"jail ?bait|barely legal|nambla|pthc|\bguro\b|goregasm|yaoi|yiffy|ecchi|futanari|"
    r"\bkinky|nympho|nimpho|\bslut hole|\bpoon|\bquim|\bpunan|\bchocha|\bcooter|\bcoot\b")
INSULT_WORDS = re.compile(
    r"dumb|stupid|\bjack ?ass|jackarse|\bfat ?ass|kiss ?ass|ass ?kisser|\bwise ?ass|"
    r"smart ?ass|punk ?ass|\bbitch|biatch|biotch|beyotch|beyoch|beeotch|bizzach|bishes|"
    r"biches|sumbitch|son (of a|o) bitch|sons? (of|z of) bitch|sonofabitch|"
    r"sonofbitches|sonna bitch|sum of a bitch|\bsoab\b|whore|\bwhoar|\bhoar\b|\bhoes?\b|"
    r"hoebag|slut|skank|\bslag\b|tosser|wanker|wnker|douche|doosh|\bprick|\bknob(end|head|s)?\b|"
    r"\bnob(head|s|jock)|bellend|bell end|\bjerk\b|\bjerks\b|idiot|moron|\bdolt|scum|"
    r"\btwat|dipshit|dipstick|\bsissy|girl(ie|y)boy|\bnonce|\bbimbo|\bgeebag|\bgowl|"
    r"\bfugly|\bfuckboy|\bcunt(ass|y)?\b|\bmolester|\bpedos?\b|\bpedoz\b|"
    r"\bkid diddler|\bfreak|tard asses|markasses|punkasses|stupidasses|dumasses")
PROFANITY_ROOTS = re.compile(
    r"fuck|fuk|fuc|fvck|fxck|fck|fcuk|phuk|phuc|phuq|feck|fook|fack|focker|fugg|fuq|fux|"
    r"mofo|mofuck|mofuk|mothaf|motherf|muthaf|mutherf|mudderf|muddaf|mthrf|mtherf|mothf|"
    r"futhamuck|fothermuck|\bmf(er|ers|ing|ckers|ukk|ukker)\b|mother ?effer|mothercker|"
    r"\b(cyber|scum|cluster|mind|shit|dumb)?(f|ph)[uvoaex]?(ck|cc|kk|c|k|q|x)|\bfk|shit|shite|\bshat\b|shiat|"
    r"sheeeet|shipdit|\bcaca\b|crap|damn|dammit|godamn|\bpiss|bastard|basterd|bastid|"
    r"basturd|bassturd|baztad|bollock|bollox|bollucks|bugger|bloody|\bhell\b|\barse|"
    r"\bass\b|\basses\b|\bazz\b|cunt|kunt|cuunt|\bsod\b|sodding|\bstfu\b|dafuq|\bturd|"
    r"\bcagone|\bcajones|\btaking the piss")

MILD_PROFANITY = re.compile(
    r"^(damn|dammit|goddamn|goddammit|goddamnit|godamnit|goddamned|god damn|god damned|"
    r"god damn it|god damnit|god dam|god dammit|crap|crappy|hell|go to hell|bloody|piss|"
    r"pissed|pissing|piss off|pissoff|pissoffs|pissed off|taking the piss|bugger|"
    r"bugger off|sod off|sodding|bollocks|bollock|bollox|arse|ass|asses|azz|caca|cagone|"
    r"cajones|feck|shat|shite|shites|shitey|shited|shitte|shitti|shitties|shiat|sheeeet|"
    r"shipdit|shits|shitty|shittiest|shitting|shittings|shitted|shitsful|shittyful|"
    r"shitefulls|shittastic|shitter|bullshit|bull shit|bullshite|bullshi|batshit|"
    r"batshite|apeshit|apeshite|ape shit|ape shite|horseshit|horse shit|dogshit|dog shit|"
    r"dogshits|pigshit|full of shit|turd|bastardish)$")

# Sexual terms that are always high: shock sites, sexual content involving children,
# bestiality and necrophilia compounds, extreme acts.
SEXUAL_HIGH = re.compile(
    r"one (man|jar|guy|cup)|two girls|\bgoatse|goatcx|tub ?girl|lemon ?party|meat ?spin|"
    r"blue ?waffle|mr ?hands|mrhands|zippo ?cat|\bpthc\b|\bshota\b|nambla|pedo ?bear|"
    r"paedo ?bear|pedobears|barely legal|jail ?bait|kid diddler|kiddy touch|"
    r"(dog|pig|animal|swine) ?fuck|pigfuck|piggyfuck|pigfukker|goregasm|strappado|"
    r"\bpiss ?pig|dolcett|\bguro\b|(dog|pig|piggy|animal|swine) ?f(u|v)?(c|k)+")
# Clinical, anatomical or mild sexual words: low (labelled, allowed by default).
SEXUAL_LOW = {
    "anal", "anus", "penis", "vagina", "vulva", "clitoris", "klitoris", "breasts",
    "nipple", "nipples", "genitals", "rectum", "semen", "sperm", "pubes", "sex",
    "sexo", "sexy", "nude", "nudity", "topless", "intercourse", "lovemaking", "erotic",
    "erotism", "boob", "boobs", "bewbs", "booty", "butt", "buttcheeks", "horny",
    "panties", "panty", "busty", "bbw", "tit", "tits", "titty", "titties",
    "tushy", "crotch", "crotchy", "hooters", "funbags", "weenie", "peen", "peener",
    "pecker", "boner", "knob", "nutsack", "nutsacks", "ball sack", "ballbag", "muff",
    "spunk", "smut", "kinky", "bondage", "bdsm", "dominatrix", "domme", "dommes",
    "voyeur", "voyuer", "viagra", "cialis", "vibrator", "yaoi", "ecchi", "nsfw",
    "nsfw images", "orgasm", "orgasms", "orgasmic", "porn", "porno", "pornos",
    "pornography", "pornographic", "spanking", "humping", "diddle", "vag", "vajayjay",
    "schlong", "shlong", "tadger", "tallywacker", "big boobs", "big breasts",
    "big knockers", "big tits", "booty call", "strip club", "girly bits", "nympho",
    "nymphomania", "nymphomaniac", "nimpho", "nimphomania", "ejaculate", "ejaculated",
    "ejaculating", "ejaculation", "masturbate", "masturbating", "masturbation",
    "masterbate", "genitorture", "shibari", "kinbaku", "nawashi", "bareback",
    "hooker", "wet dream", "mound of venus", "venus mound", "g spot",
    "milf", "cooter", "threesome", "orgy", "onlyfans", "only fans", "jack off", "jackoff",
    "jackoffs", "jackoffz", "jack offs", "jerk off", "jerk offs", "jerkoff", "jerkoffs", "jagoff",
    "jerking off", "jerks off", "beat off", "whack off", "wank off",
}

# Explicit decisions that win over everything derived above:
#   term -> (category or None, severity or None)
EN_OVERRIDE = {
    # strong profanity -> medium, per policy
    "fuck": ("profanity", "medium"), "cunt": ("profanity", "medium"),
    "cunts": ("profanity", "medium"), "kunt": ("profanity", "medium"),
    "kunts": ("profanity", "medium"), "cuunt": ("profanity", "medium"),
    "cuntz": ("profanity", "medium"), "motherfucker": ("profanity", "medium"),
    "twat": ("insult", "medium"), "twats": ("insult", "medium"),
    "bastard": ("profanity", "medium"), "bastards": ("profanity", "medium"),
    "shit": ("profanity", "low"), "wank": ("sexual", "low"), "wanks": ("sexual", "low"),
    "wanked": ("sexual", "low"), "wanking": ("sexual", "low"), "wankies": ("sexual", "low"),
    "wanker": ("insult", "low"), "wankers": ("insult", "low"), "tosser": ("insult", "low"),
    "prick": ("insult", "low"), "pricks": ("insult", "low"), "jerk": ("insult", "low"),
    "dick": ("sexual", "low"), "dicks": ("sexual", "low"), "cock": ("sexual", "low"),
    "cocks": ("sexual", "low"), "pussy": ("sexual", "medium"), "ass": ("profanity", "low"),
    "asshole": ("insult", "medium"), "assholes": ("insult", "medium"),
    "arsehole": ("insult", "medium"), "dumbass": ("insult", "medium"),
    "dumbasses": ("insult", "medium"), "jackass": ("insult", "medium"),
    "jackasses": ("insult", "medium"), "bitch": ("insult", "medium"),
    "bitches": ("insult", "medium"), "bitching": ("profanity", "low"),
    "bitchin": ("profanity", "low"), "bitchy": ("insult", "low"),
    "whore": ("insult", "medium"), "slut": ("insult", "medium"),
    "bunghole": ("insult", "low"), "cissy": ("insult", "low"), "cissie": ("insult", "low"),
    "hoe": ("insult", "low"), "hoes": ("insult", "low"), "sissy": ("insult", "low"),
    "dolt": ("insult", "low"), "nonce": ("insult", "low"), "fugly": ("insult", "low"),
    "douche": ("insult", "low"), "scummy": ("insult", "low"), "gowl": ("insult", "low"),
    "geebag": ("insult", "low"), "girlyboy": ("insult", "low"),
    "girlieboy": ("insult", "low"), "bimbos": ("insult", "low"), "slag": ("insult", "low"),
    "dingleberry": ("insult", "low"), "dingleberries": ("insult", "low"),
    "dipstick": ("insult", "low"), "bellend": ("insult", "low"), "bell end": ("insult", "low"),
    "knobhead": ("insult", "low"), "tard": ("identity_attack", "high"),
    "stfu": ("profanity", "medium"), "shut the fuck up": ("profanity", "medium"),
    "what the fuck": ("profanity", "medium"), "clusterfuck": ("profanity", "medium"),
    "molester": ("sexual", "medium"), "pedo": ("sexual", "medium"),
    "pedos": ("sexual", "medium"), "pedoz": ("sexual", "medium"),
    "pedophile": ("sexual", "medium"), "pedophilia": ("sexual", "medium"),
    "paedophile": ("sexual", "medium"), "paedophilia": ("sexual", "medium"),
    "pedophl": ("sexual", "medium"), "incest": ("sexual", "medium"),
    "rape": ("sexual", "medium"),     "rapist": ("sexual", "medium"), "date rape": ("sexual", "medium"),
    "daterape": ("sexual", "medium"), "lolita": ("sexual", "medium"),
    "kid diddler": ("sexual", "high"), "kiddy touch": ("sexual", "high"),
    "bestiality": ("sexual", "medium"), "beastiality": ("sexual", "medium"),
    "beestiality": ("sexual", "medium"), "zoophilia": ("sexual", "medium"),
    "necrophilia": ("sexual", "medium"), "grope": ("sexual", "medium"),
    "groper": ("sexual", "medium"), "dickgirl": ("sexual", "medium"),
    "dick girl": ("sexual", "medium"), "cuntboy": ("sexual", "medium"),
    "cunt boy": ("sexual", "medium"), "futanari": ("sexual", "medium"),
    "muff diver": ("sexual", "medium"), "muffdiver": ("sexual", "medium"),
    "piss pig": ("sexual", "high"), "pisspig": ("sexual", "high"),
    "hoebag": ("insult", "medium"),
    "spastic": ("identity_attack", "high"), "retard": ("identity_attack", "high"),
    "retarded": ("identity_attack", "high"),
    "eat my ass": ("sexual", "medium"), "kiss my ass": ("profanity", "low"),
    "kiss ass": ("insult", "low"), "ass kisser": ("insult", "low"),
    "bastardo": ("profanity", "medium"), "puta": ("insult", "medium"),
    "swine fucker": ("sexual", "high"),
    "bugger": ("profanity", "low"),
}

# Spelling variants share their head word's category and severity.
EN_VARIANTS = {
    "pussy": "pussie pussies pussys puzzy puzzies puussy",
    "upskirt": "upskirts",
    "bitch": "biatch biotch biotches biotchez beeotch beyotch beyoch bizzach bishes biches bitchez "
             "bitchs bitches sonofabitch sonofbitches sumbitch soab trashbitches trashbitchez "
             "trashbtch trasherbitch trasherbitchs trashybitches",
    "jackass": "jackasss",
    "dumbass": "dumasses stupidasses",
    "whore": "whores hoar whoar whoars",
    "bunghole": "bung+hole butthole bumhole",
}
for _head, _vs in EN_VARIANTS.items():
    for _v in _vs.split():
        EN_OVERRIDE.setdefault(_v.replace("+", " "), EN_OVERRIDE.get(_head, (None, None)))

# Match modes for stems that are safe as a prefix or substring (see FORMAT.md and the
# check.py report). Everything else is `word`.
EN_MATCH = {
    "fuck": "prefix",       # fucking, fucker, fuckface (not `any`: masked "f*ck" is matched
                            # against word/prefix terms only; compounds are listed)
    "motherfucker": "prefix",  # motherfuckers, motherfucking
    "fvck": "prefix",       # fvcking, fvcker: as prefixes they are pruned, so a masked
    "fxck": "prefix",       # "f*cking" resolves to `fuck` (first in order), span "f*ck"
    "whore": "prefix",      # whores, whorehouse; allow: whoredom
    "shit": "prefix",       # shitty, shithead; not `any`: Yamashita, Kinoshita; allow: shiitake
    "cunt": "prefix",       # cunts, cuntface; not `any` (Scunthorpe)
    "nigger": "prefix",     # niggers; not `any` (snigger)
    "faggot": "prefix",     # faggots, faggoty
    "twat": "prefix",       # twats, twatface; allow: twattle
    "wank": "prefix",       # wanker, wanking; allow: wankel
    "retard": "prefix",     # retards, retarded; allow: retardant, retardation
    "skank": "prefix",      # skanks, skanky
    "jizz": "prefix",       # jizzed, jizzing
    "dildo": "prefix",      # dildos
    "porn": "prefix",       # porno, pornstar
    "orgasm": "prefix",     # orgasms, orgasmic
    "blowjob": "prefix",    # blowjobs
    "handjob": "prefix",    # handjobs
    "cumshot": "prefix",    # cumshots
    "asshole": "prefix",    # assholes, assholery
    "arsehole": "prefix",   # arseholes
    "cocksucker": "prefix", # cocksuckers
    "dickhead": "prefix",   # dickheads
    "bollock": "prefix",    # bollocks, bollocking
}


# --------------------------------------------------------------------------------------
# Other languages: LDNOOBW terms, reviewed by hand where marked.
# Default per row: category profanity, severity medium, match word (any for scripts
# written without spaces: Han, kana, Thai). Terms are given in normalized form.
# --------------------------------------------------------------------------------------

# Same ranges as is_unspaced_script in src/patterns/matcher.rs (which forces `any` there).
UNSEGMENTED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")

LANG_RULES: dict[str, dict[str, str]] = {}


def _rules(lang: str, **kw: str) -> None:
    LANG_RULES[lang] = {k: " ".join(v.split()) for k, v in kw.items()}


# Keys: exclude (dropped), identity (identity_attack high), identity_medium,
# sexual, insult (category), low, high (severity), word, prefix, any (match).
# Multi-word terms are written with "+" between words (single tokens are space-separated).
_rules("ar",
       exclude="شرج لعق لحس مص تمص بيضان ثدي حلمة فرج شهوة مبادل قضيب سحاق سحاقية خنثي احتلام لبوة",
       identity="لوطي خول",
       identity_medium="شاذ لواط",
       sexual="سكس طيز بز بزاز بظر كس جماع زب نيك متناك متناكة اغتصاب مفلقسة",
       insult="عاهرة شرموطة عرص قحبة متناك متناكة",
       low="سكس طيز بز بزاز بظر جماع")
_rules("cs",
       exclude="čumět dršťka držka žrát",
       identity="buzna",
       sexual="kunda mrdat mrdka mrdník píchat prcat šoustat šulin kokot piča pizda",
       insult="debil flundra hajzl kokot kurva zmrd zkurvysyn vypíčenec píčus mamrd oslošoust koňomrd",
       low="bordel debil hovno chcanky prdel prdelka sračka srát hajzl flundra píchat")
_rules("da",
       identity="bøsserøv",
       sexual="anus fisse fissehår hestepik kussekryller pik pikhår pikslugeri piksutteri cock",
       insult="luder",
       low="anus cock lort pis røv shit røvhul røvskæg røvspræke")
_rules("de",
       exclude="bonze nackt mufti ische popel fratze kimme rosette schnackeln schiesser möpse vögeln",
       identity="analritter kampflesbe kanake neger nigger schwuchtel",
       sexual="bumsen dödel fick ficken fotze möse morgenlatte muschi nippel onanieren orgasmus penis pimmel pimpern poppen porno tittchen titten wichse wichsen milf",
       insult="arschficker arschlecker arschloch bimbo bratze flittchen hackfresse hure hurensohn kackbratze lümmel nutte pisser reudig schabracke schlampe scheisser schwanzlutscher vollpfosten wichser",
       low="arsch bimbo bratze dödel kacke kacken kackwurst lümmel muschi nippel onanieren orgasmus penis pimmel pinkeln pissen pisser reudig schabracke scheiße scheisser tittchen titten vollpfosten flittchen morgenlatte porno milf")
_rules("eo",
       sexual="fik fikado fikema fiki fikiĝi fikiĝu fikilo fikota fiku kaco kacen piĉo piĉen kojono",
       insult="ĉiesulino ĉiesulo kacsuĉulo feklekulo fekulo fikklaŭno furzulo fekfikanto",
       low="fek feken diofek diofeka zamenfek kojono bugren bugri bugru forpisi forpisu forfurzu furzulo fikfek")
_rules("es",
       exclude="asesinato asno chupada concha drogas fiesta+de+salchichas heroína infierno martillo nazi orina racista sádico semen travesti trio esperma",
       identity="bollera marica maricón mariconazo",
       sexual="chupetón coprofagía follador follar hacer+una+paja haciendo+el+amor maciza macizorra mamada pezón sexo sexo+oral tetas+grandes tía+buena verga vulva",
       insult="cabrón chupapollas gilipichis gilipollas hija+de+puta hijaputa hijo+de+puta hijoputa idiota imbécil jilipollas kapullo lameculos pendejo pervertido prostituta puta ramera soplagaitas soplapollas bastardo",
       low="caca culo chupetón coprofagía gilipichis haciendo+el+amor idiota imbécil maciza macizorra maldito mierda pedo pervertido pezón pinche pis prostituta sexo sexo+oral soplagaitas tetas+grandes tía+buena vulva lameculos")
_rules("fa",
       exclude="برهنه تجاوز حشر سوپر شهوت لخت لش منی",
       sexual="آب+کیر ارگاسم پورن پورنو جق جلق چوچول حشری داف دودول ساک+زدن سکس سکس+کردن سکسی شق+کردن شهوتی شونبول فیلم+سوپر کس کس+دادن کس+کردن کوس کون کون+دادن کون+کردن کیر لاپا لاپایی",
       insult="جقی جنده کسکش کونکش کونی کیری لاشی هرزه",
       low="ارگاسم پورن پورنو تخمی چوچول حشری داف دودول سکس سکس+کردن سکسی شهوتی شونبول فیلم+سوپر لاپا لاپایی کون")
_rules("fi",
       exclude="tavara reikä viiksi pipari muna panna pistää molo paljaalla jätkä pehko haahka hatullinen lahtari mutiainen tuhkaluukku naida pano suklaaosasto alfred+nussi",
       identity="mutakuono neekeri nekru ryssä rättipää",
       sexual="bylsiä huorata hässiä kulli kullinluikaus kyrpä munapää nainti nussia nussija nussinta paneskella panettaa pantava perspano pillu pillut runkata runkkari runkkaus runkku tussu tussukka tussut vakipano vetää+käteen toosa",
       insult="kusipää kyrpänaama lutka molopää mulkero mulkku mulkvisti munapää narttu paskapää perseääliö perseennuolija pilkunnussija runkkari äpärä munaton",
       low="haista+paska helvetisti hevonkuusi hevonpaska hitosti hitto juosten+kustu kananpaska koiranpaska kuin+esterin+perseestä kuppainen kusaista kuseksia kusettaa kusi kusta paska paskainen paskamainen paskanmarjat paskantaa paskapuhe paskattaa paskoa pentele perkele perkeleesti persaukinen perse perseet+olalla persvako piru pyllyvako saatanasti turpasauna jutku jutsku reva ripsipiirakka hevonperse")
_rules("fil",
       identity="nognog",
       sexual="burat kantot jakol bayag",
       insult="bobo tanga ulol puta+ka anak+ka+ng+puta",
       low="bobo tanga ulol tang+ina bayag")
_rules("fr",
       exclude="gerber baiser bander bitte bourré bourrée folle grande+folle gerbe gueule jouir meuf ramoner suce tanche trique déconne déconner pédale péter",
       identity="gouine nègre pédé",
       identity_medium="negro tapette",
       sexual="bite branlage branler branlette brackmard brouter+le+cresson chatte clito clitoris cramouille foutre ménage+à+trois palucher teuch tringler troncher turlute zigounette zizi bigornette bloblos",
       insult="branleur branleuse con conne connard connasse emmerdeur emmerdeuse enculé enculée enculeur enculeurs enfoiré enfoirée fille+de+pute fils+de+pute grogniasse merdeuse merdeux pouffiasse pute salaud salope sac+à+merde trou+du+cul",
       low="bite bordel caca chiasse chier chiottes clito clitoris con conne couilles cul emmerdant emmerder emmerdeur emmerdeuse étron gerber merde merdeuse merdeux pipi pisser zizi zigounette bigornette bloblos palucher pousse+crotte ménage+à+trois branleur branleuse")
_rules("fr-CA-u-sd-caqc",
       sexual="noune",
       low="osti criss crisse calice tabarnak viarge")
_rules("hi",
       exclude="hawas maal pataka patakha hijra",
       identity="bhangi chakke chinki paki",
       identity_medium="hijda",
       sexual="balatkar balatkari aand aandu boobe chod chodu chooche choochi choope choot chudaap chudai+khanaa chudam+chudai chude chut gaandmasti jhant loda lodu lund lund+choos mutth mutthal mooh+mein+le tharak tu+chuda",
       insult="bhadva bhadve bhandve bhosadi+ke bhootni+ke chinaal chodu+bhagat chootia chootiya chutia chutiya gandu gashti gasti ghassa ghasti harami haramzade kamine kaminey kanjar kutta+kamina kutte+ki+aulad kutte+ki+jat kuttiya lodu lundure najayaz+aulaad najayaz+paidaish raand randi saala+kutta saali+kutti saali+randi suar+ke+lund suar+ki+aulad tharki jhantu jhant+chaatu",
       low="aand aandu boobe chutad chutadd gaand kamine kaminey najayaz randi+rona saala suar tatte tatti tharak tharki kutta mutth mutthal gucchi gucchu")
_rules("hu",
       exclude="marha marhák marhákat marhát franc francok francokat francot pofa pofákat pofát pele pelék búr búrok kúr buksza bukszák bukszákat bukszát",
       sexual="baszik csöcs csöcsök csöcsöket csöcsöt fasz faszok faszokat faszt geci gecik geciket gecit picsa picsákat picsát pina pinák pinákat pinát punci puncik pöcs pöcsök pöcsöket pöcsöt",
       insult="balfasz balfaszok balfaszokat balfaszt barmok barmokat barmot barom faszfej faszfejek faszfejeket faszfejet gecibb kurafi kurafik kurafikat kurafit kurva kurvák kurvákat kurvát leggecibb seggfej seggfejek seggfejeket seggfejet szajha szajhák szajhákat szajhát",
       low="barmok barmokat barmot barom csöcs csöcsök csöcsöket csöcsöt fing fingok fingokat fingot megdöglik segg seggek seggeket segget szar szarabb szarik szarok szarokat szart legszarabb punci puncik")
_rules("it",
       exclude="battere balle cadavere pesce regina tirare vacca porco porca monta montare pompa quaglia spagnola fava cozza biga sega topa mona patacca pippa pippone brinca casci bagnarsi nave+scuola sbattere sbattersi rizzarsi vangare pistolotto pisello pecorina finocchio bocchino",
       identity="arrusa arruso bucaiolo busone checca culattina culattone frocio froscio recchione terrone",
       sexual="ammucchiata anale bocchinara chiavare chiavata ciucciami+il+cazzo ditalino fica figa figone fregna goldone ingoio mussa nerchia patonza pompino potta puppami sborra sborrata sbrodolata scopare scopata slinguare slinguata smandrappata sorca spompinare sticchio succhiami sveltina sverginare tette trombare zinne pomiciare allupato arrapato",
       insult="baldracca bagascia bagassa battona ciospo coglione cornuto femminuccia figlio+di+puttana imbecille leccaculo lecchino mignotta minchione pirla puttana rompiballe rompipalle ruffiano sborrone stronza stronzo testa+di+cazzo troia zoccola cazzone picio caciocappella succhione",
       low="fica bordello anale arrapato allupato assatanato boiata cacca cagare cagata cazzata cesso chiappa ciospo culo femminuccia figa figone figlio+di+buona+donna goldone guardone imbecille incazzarsi incoglionirsi lecchino loffa lofare loffare mannaggia merda merdata merdoso palle palloso picio pipì pirla pisciare piscio pomiciare porca+miseria porco+zio rincoglionire rompiballe rompipalle ruffiano scorreggiare slinguare slinguata socmel soccia sveltina tette zinne belino padulo caciocappella succhione stronzata")
_rules("ja",
       exclude="sm xx デブ ホモ 二穴 正常位 ヌード いたずら エスコート エッチ エクスタシー カント ゲイセックス ゲイボーイ コカイン グロ スウィンガー スカートの中 スリット ソドミー なめ ネオナチ ハードコア ファンタジー フィスト フック プレイボーイ ぽっちゃり ボーイズラブ ぶっかけ ラティーナ ラバー レズビアン ローター 嫌い 拷問 殺し方 殺人事件 殺人方法 支配 自己愛性 女の子 女王様 女子高生 女装 人妻 人種 奴隷 誘惑 毛深い 平手打ち 噴出 両性 両性具有 両刀 宦官 挿入 脱衣 剃毛 足を広げる フェティッシュ 糞便 しばり 縛り アジアのかわいい女の子 カーマスートラ セクシーな 覗き 直腸",
       identity="ニガー",
       identity_medium="オカマ",
       sexual="g+スポット ロリータ ベアバック おもらし sm女王 アスホール アナリングス アナル イラマチオ オーガズム おっぱい オッパイ オナニー オマンコ クリトリス グループセックス クンニリングス ゴールデンシャワー ゴックン サディズム スカトロ ストラップオン ストリップ劇場 スラット セックス ディープスロート ディック ディルド デートレイプ テレフォンセックス ドッグスタイル トップレス ヌード パイパン バイブレーター バックスタイル パンティー ふたなり フェラチオ プリンス+アルバート+ピアス ペニス ペニスバンド ボールギャグ ポルノ ポルノグラフィー ボンテージ マスターベーション まんこ ちんこ やおい やりまん ランジェリー レイプ 淫乱 陰毛 革抑制 騎上位 巨根 巨乳 強姦犯 玉なめ 玉舐め 緊縛 近親相姦 後背位 合意の性交 児童性虐待 射精 手コキ 獣姦 正常位 生殖器 精液 足フェチ 茶色のシャワー 中出し 潮吹き女 潮吹き男性 直腸 貞操帯 二穴 乳首 尿道プレイ 覗き 売春婦 糞尿愛好症 変態 勃起する 夢精 幼児性愛者 裸の女性 乱交 輪姦 肛門 新しいポルノ 性交 大陰唇 ゴールデンシャワー エロティック エロティズム",
       insult="ビッチ スラット やりまん アスホール",
       low="g+スポット ロリータ ベアバック おしっこ おしり オシリ おしりのあな お尻 オーガズム おっぱい オッパイ クリトリス サディズム セックス テレフォンセックス トップレス ヌード バイブレーター パンティー ペニス ポルノ ポルノグラフィー ボンテージ マスターベーション やおい ランジェリー 陰毛 革抑制 騎上位 巨根 巨乳 緊縛 後背位 合意の性交 射精 正常位 生殖器 精液 足フェチ 直腸 貞操帯 乳首 覗き 売春婦 変態 勃起する 夢精 裸の女性 肛門 新しいポルノ 性交 大陰唇 乱交 グループセックス ストリップ劇場 sm女王 エロティック エロティズム プリンス+アルバート+ピアス おもらし",
       high="輪姦 獣姦")
_rules("kab")
_rules("ko",
       exclude="노모 망가 미친 보지 애자 야사 유모 자위 하드코어",
       identity="뙤놈 짱깨 쪽바리",
       sexual="강간 거유 근친 딸딸이 때씹 로리타 몰카 바바리맨 빠구리 사까시 섹스 스와핑 씹물 씹빨 씹알 씹창 야동 야애니 에로 은꼴 자지 직촬 포르노 후장 불알 개좆 좆만 쥐좆",
       insult="개새끼 개자식 개차반 계집년 고자 또라이 미친새끼 병신 쌍놈 씨발놈 씹새끼 암캐 잡년 종간나 죽일년 창녀 호로 화냥년 후레아들 육갑 변태",
       low="개차반 거유 고자 근친 딸딸이 또라이 바바리맨 변태 불알 섹스 스와핑 쌍놈 야동 야애니 에로 염병 옘병 육갑 은꼴 직촬 포르노 희쭈그리",
       prefix="씨발 병신 개새끼")
_rules("nl",
       exclude="anita asbak balen bekken beurt gat hol johny matje paal palen poot pot schatje standje toeter zuigen spuiten griet muts nicht knor kwakkie huisdealer gedoogzone penoze raaskallen remsporen reutelen boemelen buffelen kanen slempen stootje welzijnsmafia publiciteitsgeil klootjesvolk driehoog+achter+wonen gras+maaien de+hond+uitlaten de+koffer+induiken de+pijp+uitgaan aardappels+afgieten achter+het+raam+zitten een+halve+man+en+een+paardekop broekhoesten brugpieper engerd graftak hoempert liefdesgrot mafketel naaien naakt opzouten wippen del bedonderen belazeren afrossen vergallen das+kloten+van+de+bok de+ballen",
       identity="flikker",
       identity_medium="mof",
       sexual="afberen aflebberen afrukken aftrekken afzuigen befborstel beffen botergeil drooggeiler een+beurt+geven een+nummertje+maken een+wip+maken flamoes flikken geilneef klaarkomen kontneuken kuttelikkertje neuken neukstier op+zn+hondjes opgeilen pijpen pik rukken slik+mijn+zaad tongzoeng vingeren vleesroos zaadje lul paardelul",
       insult="aso boerelul bokkelul dombo draaikont droogkloot eikel galbak geilneef gratenkut greppeldel hoer hoerenloper hufter klerebeer klojo klootoog klootzak krentekakker lulhannes lul+de+behanger lummel matennaaier oetlul ouwehoer ouwe+rukker pijpbekkieg pleurislaaier portiekslet reetridder rothoer rotzak rukhond schoft schuinsmarcheerder slet snol stoephoer sufferd tapijtnek teef temeier teringlijer trottoirteef viespeuk watje wijf zakkenwasser zeiker zuiplap boerenpummel kettingzeug",
       low="aso afzeiken bagger+schijten balen besodemieterd+zijn besodemieteren buiten+de+pot+piesen de+hoer+spelen dombo drol gadverdamme gesodemieter godverdomme hoerig klooien kloten kont lummel oprotten opkankeren opsodemieteren op+zn+sodemieter+geven ouwehoeren piesen poep poepen potverdorie reet schijt schijten shit sletterig stront sufferd verkloten verneuken voor+jan+lul voor+jan+met+de+korte+achternaam watje zeiken zeiker zuiplap boerenpummel krentekakker klojo lulhannes hoerenbuurt tongzoeng")
_rules("no",
       exclude="fan satan sinnsykt svartheiteste",
       identity="nigger pakkis",
       sexual="fitte kuk kukene kuker pikk ståpikk ståpikkene ståpikker morraknuller morrapuler",
       insult="drittsekk asshole morraknuller",
       low="dritt faen fanken forbanna forbannet forjævlig fy+faen jævla jævlig helvete helvetet pokker ræva ræven shit skitt føkk føkka føkkings sotrør faen+i+helvete")
_rules("pl",
       exclude="jajko jajco dmuchać",
       identity="ciota",
       sexual="chuj huj cipa fiut kutas pizda pieprzyć ruchać jebać obciągać+chuja obciągać+fiuta obciągać+loda robic+loda robić+loda lizać+pałę",
       insult="debil dupek dziwka pojeb pojebany popierdolony skurwysyn suka pierdolnięty kutafon pierdoła",
       low="burdel burdelmama cyc debil dupa dupek duperele gówno gówno+prawda pierdzieć rzygać sraczka srać syf zajebisty pierdoła pieprzyć")
_rules("pt",
       exclude="fecal aborto amador aranha ariano bissexual burro cerveja cocaína comer heroína heterosexual homem+gay homoerótico homosexual inferno lésbica lolita mama saco torneira camisinha chupar consolo frango+assado gozar grelho pau pinto passar+um+cheque veado",
       identity="bicha paneleiro",
       sexual="ânus pênis clitoris boceta chochota xochota xana cona coito esporra queca transar vibrador sacanagem boob bumbum dar+o+rabo",
       insult="bastardo biscate cabrao corno filho+da+puta puta vadia",
       low="ânus boob bosta bumbum cagar cacete clitoris coito colhoes cu fecal merda peidar pênis sacanagem transar vibrador queca")
_rules("ru",
       exclude="byk gol uboy бугор голый обнаженный какая+разница другой+дразнится фига хапать хрен ты+мне+ваньку+не+валяй курите+мою+трубку petuh",
       identity="chernozhopyi pedik pidar+gnoinyj хохол",
       sexual="trakhatsya ебать ебнуть ёбарь дрочить малофья манда мандавошка секс сиськи половое+сношение траxать играть+на+кожаной+флейте лысого+в+кулаке+гонять встать+раком vzdrochennyi pososi+moyu+konfetku otsosi zalupa zalupat vafla vafli+lovit",
       insult="bychara dolboyeb mudack padlo pidar+gnoinyj shalava styervo sukin+syn svoloch ublyudok vyperdysh zasranetc говнюк жополиз мудило мудозвон хуеплет хуило мент бздёнок",
       low="perdet prissat prosrat говно дерьмо жопа на+фиг офигеть срать ссать секс сиськи половое+сношение хер+с+ней хер+с+ним как+два+пальца+обоссать обоссаться+можно мент zasranetc")
_rules("sv",
       exclude="hård stake sås olla satan tusan fan pippa pitt brutta mutta pök",
       identity="neger nigger",
       sexual="fitta fittig knulla kuk kuksås runka rövknulla skäggbiff snedfitta snefitta sätta+på discofitta",
       insult="subba kötthuvud köttnacke",
       low="arsle dra+åt+helvete för+helvete helvete jävlar prutt röv rövhål skita skit+ner+dig moona moonade moonar moonat")
_rules("th",
       exclude="กะปิ กู ขี้ ล้างตู้เย็น สัด หลั่ง ห่า หี",
       identity_medium="เจ๊ก",
       sexual="กระดอ กระเด้า จิ๋ม จู๋ เจี๊ยว น้ําแตก เย็ด หํา อมนกเขา ควย",
       insult="กระหรี่ ดอกทอง ตอแหล ส้นตีน เหี้ย ไอ้ควาย หญิงชาติชั่ว เสือก",
       low="กระดอ จู๋ เจี๊ยว ตอแหล ตูด มึง แม่ง เสือก หํา ไอ้ควาย ส้นตีน")
_rules("tlh", low="ghuycha qiyah quvatlh")
_rules("tr",
       exclude="am göt götten çingene çingenede çingeneden çingeneler çingenelerde çingenelerden çingenelere çingeneleri çingenelerin çingenenin çingeneye çingeneyi",
       identity="götveren götverende götverenden götverene götvereni götverenin götverenler götverenlerde götverenlerden götverenlere götverenleri götverenlerin",
       sexual="amcığa amcığı amcığın amcık amcıklar amcıklara amcıklarda amcıklardan amcıkları amcıkların amcıkta amcıktan amı amlar sik sike siki sikin sikler siklerde siklerden siklere sikleri siklerin sikte sikten sikmek sikmemek yarağa yarağı yarağın yarak yaraklar yaraklara yaraklarda yaraklardan yarakları yarakların yarakta yaraktan taşağa taşağı taşağın taşak taşaklar taşaklara taşaklarda taşaklardan taşakları taşakların taşakta taşaktan",
       insult="kaltağa kaltağı kaltağın kaltak kaltaklar kaltaklara kaltaklarda kaltaklardan kaltakları kaltakların kaltakta kaltaktan orospu orospuda orospudan orospular orospulara orospularda orospulardan orospuları orospuların orospunun orospuya orospuyu saksocu saksocuda saksocudan saksocular saksoculara saksocularda saksoculardan saksocuları saksocuların saksocunun saksocuya saksocuyu otuz+birci otuz+bircide otuz+birciden otuz+birciler otuz+bircilerde otuz+bircilerden otuz+bircilere otuz+bircileri otuz+bircilerin otuz+bircinin otuz+birciye otuz+birciyi",
       low="göt göte götler götlerde götlerden götlere götleri götlerin götte götten götü götün sıçmak taşağa taşağı taşağın taşak taşaklar taşaklara taşaklarda taşaklardan taşakları taşakların taşakta taşaktan otuz+birci otuz+bircide otuz+birciden otuz+birciler otuz+bircilerde otuz+bircilerden otuz+bircilere otuz+bircileri otuz+bircilerin otuz+bircinin otuz+birciye otuz+birciyi siker+sikmez sikilir+sikilmez siktirir+siktirmez")
_rules("zh",
       exclude="妈的 娘的 妈妈的 日批 操比 机八 鸡八 卖比 妈比 干七八 成人 激情 祖宗 私服 月经 处女 老二 老母 老味 鬼公 玉杵 贝肉 肥西 九游 花柳 卵子 交配 他奶奶 他妈 他娘 你妈 你娘 性无能 阳萎 精子 后庭 吹箫 日你 射你 几八 野鸡 你全家 你老闆 硬膠 粉腸 靠背 靠爸 刚度 口肯 密洞 肉棒 包皮 乳房 插你 大卵子 小卵子",
       sexual="乳交 乳头 小乳头 乳波臀浪 做爱 口交 叫床 外阴 大卵泡 小卵泡 大鸡巴 小鸡巴 小鸡鸡 鸡鸡 鸡巴 雞巴 鸡叭 鸡吧 鸡芭 鸡奸 奶子 射精 屁眼 巨乳 性交 性器 性爱 情色 色情 扒光 打炮 打飞机 抽插 浪叫 淫乱 淫妇 淫棍 淫水 淫秽 淫荡 淫西 湿透的内裤 肉壁 肉棍子 肉缝 陰莖 肛交 阳具 阴唇 阴户 阴核 阴毛 阴茎 阴道 阴部 龟头 轮奸 强奸 强奸你 想上你 奸你 双峰微颤 小肉粒 机巴 几叭 几巴 几芭 懒八 懒叫 懒教 卖淫 嫖娼 嫖客 招妓 军妓 妓女 妓院 三级片 放荡 姘头 卖b 屎忽 操逼",
       insult="下三烂 下贱 你个傻比 你是鸡 你是鸭 傻比 傻逼 刚瘪三 小瘪三 老瘪三 瘪三 王八蛋 他妈ㄉ王八蛋 杂种 狗日 狗狼养的 瓜娃子 瓜婆娘 瓜批 白烂 白痴 白癡 笨蛋 贱b 贱人 贱货 烂货 烂逼 婊子 婊子养的 荡妇 骚比 骚货 骚逼 小骚比 小骚货 老骚比 老骚货 逼样 龟儿子 仆街 冚家鏟 咸家鏟 咸家伶 冚家拎 躝癱 笨實 十三点 姣西",
       low="屁股 撒尿 迷药 陰莖 机机歪歪 干你 口交 杂种 狗日 抽插 乳头 小乳头 乳波臀浪 做爱 叫床 外阴 奶子 射精 巨乳 性交 性器 性爱 情色 色情 打飞机 打炮 放荡 姘头 阳具 阴唇 阴户 阴核 阴毛 阴茎 阴道 阴部 龟头 卖淫 嫖娼 嫖客 招妓 军妓 妓女 妓院 三级片 淫秽 白烂 白痴 白癡 笨蛋 瓜娃子 瓜婆娘 瘪三 小瘪三 老瘪三 刚瘪三 下三烂 下贱 狗屁 他妈的 她妈的 它妈的 他马的 她马的 你马的 妳马的 册那 靠北 靠母 靠腰 十三点 躝癱 笨實 个老子的 他奶奶的 奶奶的熊 你娘卡好 你娘咧 干死cs 干死gm 干死客服 小鸡鸡 鸡鸡 屎忽 小肉粒 双峰微颤 湿透的内裤 扒光",
       high="强奸你")


def _split_rule(value: str) -> set[str]:
    out = set()
    for t in value.split():
        n, why = normalize(t.replace("+", " "))
        if n is None:
            raise SystemExit(f"LANG_RULES: cannot normalize {t!r} ({why})")
        out.add(n)
    return out


# --------------------------------------------------------------------------------------
# Data model and loading
# --------------------------------------------------------------------------------------

@dataclass
class Entry:
    term: str
    sources: set[str] = field(default_factory=set)
    surge_cats: set[str] = field(default_factory=set)
    surge_scores: list[float] = field(default_factory=list)
    dsoj_tags: set[str] = field(default_factory=set)
    dsoj_scores: list[int] = field(default_factory=list)
    canonical_only: bool = True  # only present as a surge canonical form


@dataclass(frozen=True)
class Row:
    term: str
    category: str
    severity: str
    match: str
    sources: tuple[str, ...]

    def line(self) -> str:
        return "\t".join((self.term, self.category, self.severity, self.match, ",".join(self.sources)))


def log(msg: str) -> None:
    print(f"build.py: {msg}", file=sys.stderr)


def _entry(entries: dict[str, Entry], term: str) -> Entry:
    e = entries.get(term)
    if e is None:
        e = entries[term] = Entry(term)
    return e


def load_surge(path: Path, entries: dict[str, Entry]) -> dict[str, int]:
    stats = {"rows": 0, "dropped_obfuscated": 0, "canonical_added": 0}
    canon: dict[str, list[tuple[list[str], float]]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            stats["rows"] += 1
            cats = [r[k].strip() for k in ("category_1", "category_2", "category_3") if r[k].strip()]
            score = float(r["severity_rating"])
            term, why = normalize(r["text"])
            if term is None:
                if why == "obfuscated":
                    stats["dropped_obfuscated"] += 1
                    for k in ("canonical_form_1", "canonical_form_2", "canonical_form_3"):
                        c = r[k].strip()
                        if not c:
                            continue
                        c = EN_CANONICAL_FIX.get(c.lower(), c)
                        if c is None:
                            continue
                        ct, _ = normalize(c)
                        if ct:
                            canon.setdefault(ct, []).append((cats, score))
                continue
            e = _entry(entries, term)
            e.sources.add("surge")
            e.surge_cats.update(cats)
            e.surge_scores.append(score)
            e.canonical_only = False
    # Canonical forms of dropped obfuscations: make sure each is present.
    for ct, infos in sorted(canon.items()):
        e = entries.get(ct)
        if e is not None and "surge" in e.sources:
            continue
        e = _entry(entries, ct)
        e.sources.add("surge")
        if not e.surge_scores:
            stats["canonical_added"] += 1
            # a base word is milder than the spellings that map to it: take the minimum
            e.surge_scores.append(min(s for _, s in infos))
            for cats, _ in infos:
                e.surge_cats.update(cats)
    return stats


def load_dsojevic(path: Path, entries: dict[str, Entry]) -> dict[str, int]:
    stats = {"items": 0, "alternatives": 0, "skipped_unsafe": 0, "dropped": 0}
    data = json.loads(path.read_text(encoding="utf-8"))
    for item in data:
        stats["items"] += 1
        for alt in item["match"].split("|"):
            alt = alt.strip()
            if not alt:
                continue
            stats["alternatives"] += 1
            if DSOJEVIC_UNSAFE.search(alt):
                stats["skipped_unsafe"] += 1
                log(f"dsojevic: skipped alternative with regex syntax: {alt!r} (id {item['id']})")
                continue
            term, _ = normalize(alt.replace("*", ""))
            if term is None:
                stats["dropped"] += 1
                continue
            e = _entry(entries, term)
            e.sources.add("dsojevic")
            e.dsoj_tags.update(item.get("tags", []))
            e.dsoj_scores.append(int(item["severity"]))
            e.canonical_only = False
    return stats


def read_ldnoobw(path: Path) -> list[str]:
    terms = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        term, _ = normalize(raw)
        if term:
            terms.append(term)
    return terms


def read_tsv(path: Path, ncols: int) -> list[list[str]]:
    rows = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cols = raw.split("\t")
        if len(cols) != ncols:
            raise SystemExit(f"{path.name}:{n}: expected {ncols} tab-separated columns, got {len(cols)}")
        rows.append(cols)
    return rows


# --------------------------------------------------------------------------------------
# English classification
# --------------------------------------------------------------------------------------

def has_identity_word(term: str) -> bool:
    return any(w in NEUTRAL_IDENTITY for w in term.split())


def en_category(e: Entry) -> str:
    t = e.term
    ov = EN_OVERRIDE.get(t)
    if ov and ov[0]:
        return ov[0]
    if t not in NOT_IDENTITY:
        if any(p.search(t) for p in IDENTITY_PATTERNS):
            return "identity_attack"
        # dsojevic's racial and lgbtq tags are reliable; its religious tag also covers
        # blasphemy (god damn, hell) and surge's racial category has some noise, so
        # those two count only when no profanity/sexual root explains the term.
        if e.dsoj_tags & {"racial", "lgbtq"}:
            return "identity_attack"
        if (("racial / ethnic slurs" in e.surge_cats or "religious" in e.dsoj_tags)
                and not PROFANITY_ROOTS.search(t) and not SEXUAL_ROOTS.search(t)):
            return "identity_attack"
    last = t.split()[-1]
    if INSULT_HEAD.search(last) and VULGAR_ROOT.search(t):
        return "insult"
    if SEXUAL_ROOTS.search(t):
        return "sexual"
    if INSULT_WORDS.search(t):
        return "insult"
    if PROFANITY_ROOTS.search(t):
        return "profanity"
    # fall back to the sources' own categories
    sc = e.surge_cats
    if sc & {"sexual anatomy / sexual acts"} or e.dsoj_tags & {"sexual", "shock"}:
        return "sexual"
    if sc & {"other / general insult", "animal references", "physical attributes",
             "mental disability", "physical disability", "sexual orientation / gender"}:
        return "insult"
    if sc & {"bodily fluids / excrement", "religious offense"} or "general" in e.dsoj_tags:
        return "profanity"
    if sc & {"racial / ethnic slurs", "political"} or e.dsoj_tags & {"racial", "lgbtq", "religious"}:
        return "identity_attack"
    return "sexual"  # LDNOOBW-only terms are overwhelmingly sexual/pornographic


def en_severity(e: Entry, category: str) -> str:
    t = e.term
    ov = EN_OVERRIDE.get(t)
    if ov and ov[1]:
        return ov[1]
    if category == "identity_attack":
        return "medium" if t in IDENTITY_MEDIUM else "high"
    scores = list(e.surge_scores) + [dsojevic_to_surge_scale(s) for s in e.dsoj_scores]
    sev = score_to_sev(sum(scores) / len(scores)) if scores else "medium"
    if category == "sexual":
        if SEXUAL_HIGH.search(t):
            return "high"
        if t in SEXUAL_LOW:
            return "low"
        return sev_min(sev, "medium")
    if category == "profanity":
        if MILD_PROFANITY.search(t):
            return "low"
        return sev_min(sev, "medium")
    if category == "insult":
        return sev_min(sev, "medium")
    return sev


def build_en(src: Path, curated: list[list[str]]) -> tuple[list[Row], dict[str, int]]:
    entries: dict[str, Entry] = {}
    stats = {}
    stats.update({f"surge_{k}": v for k, v in load_surge(src / "surge-ai" / "profanity_en.csv", entries).items()})
    stats.update({f"dsojevic_{k}": v for k, v in load_dsojevic(src / "dsojevic" / "en.json", entries).items()})
    for term in read_ldnoobw(src / "ldnoobw" / "en"):
        e = _entry(entries, term)
        e.sources.add("ldnoobw")
        e.canonical_only = False

    for t in list(EN_EXCLUDE) + list(EN_OVERRIDE) + list(EN_MATCH) + list(IDENTITY_MEDIUM) + list(SEXUAL_LOW):
        if t not in entries and t not in {c[0] for c in curated}:
            log(f"en: rule names a term that is in no source: {t!r}")

    rows: dict[str, Row] = {}
    excluded = identity_dropped = 0
    for t in sorted(entries):
        e = entries[t]
        if t in EN_EXCLUDE:
            excluded += 1
            continue
        if has_identity_word(t) and t not in KEEP_IDENTITY_PHRASES:
            identity_dropped += 1
            continue
        cat = en_category(e)
        sev = en_severity(e, cat)
        match = EN_MATCH.get(t, "word")
        srcs = tuple(s for s in SOURCE_ORDER if s in e.sources)
        rows[t] = Row(t, cat, sev, match, srcs)
    stats["excluded"] = excluded
    stats["identity_word_dropped"] = identity_dropped

    # curated entries win on conflicts
    for term, cat, sev, match, srcs in curated:
        prev = rows.get(term)
        merged = set(prev.sources) if prev else set()
        merged.update(s for s in srcs.split(",") if s)
        merged.add("warden")
        rows[term] = Row(term, cat, sev, match, tuple(s for s in SOURCE_ORDER if s in merged))
    kept, dropped = prune_redundant([rows[t] for t in sorted(rows)])
    stats["redundant_dropped"] = len(dropped)
    return kept, stats


def rle(text: str) -> tuple[tuple[str, int], ...]:
    """Run-length encoding: "shiitake" -> (s,1)(h,1)(i,2)(t,1)(a,1)(k,1)(e,1)."""
    out: list[list] = []
    for ch in text:
        if out and out[-1][0] == ch:
            out[-1][1] += 1
        else:
            out.append([ch, 1])
    return tuple((c, n) for c, n in out)


def rle_covers(term: tuple, token: tuple, mode: str) -> bool:
    """Whether a single-token `term` matches `token` in `mode`, comparing run-length
    encodings like Warden's matcher: same letters, each token run at least the term's."""
    n, m = len(term), len(token)
    if n > m or (mode == "word" and n != m):
        return False
    starts = {"word": [0], "prefix": [0], "suffix": [m - n], "any": range(m - n + 1)}[mode]
    return any(all(token[i + j][0] == term[j][0] and token[i + j][1] >= term[j][1]
                   for j in range(n)) for i in starts)


def prune_redundant(rows: list[Row]) -> tuple[list[Row], list[tuple[str, str]]]:
    """Drop rows that another row of the same category and at least the same severity
    already matches (see FORMAT.md "Redundant rows"):
      * a single-token term that starts with a `prefix` term (fucking <- fuck);
      * a phrase containing a token matched by a single-token term (fuck off <- fuck),
        or containing a shorter `word` phrase (go kill yourself <- kill yourself).
    Spans then point at the offending word, not at the phrase around it."""
    sev = {r.term: SEVERITIES.index(r.severity) for r in rows}
    singles = [r for r in rows if " " not in r.term]
    phrases = [r for r in rows if " " in r.term and r.match == "word"]
    enc = {r.term: rle(r.term) for r in singles}
    kept, dropped = [], []
    for r in rows:
        by = None
        toks = r.term.split()
        for s in singles:
            if s.term == r.term or s.category != r.category or sev[s.term] < sev[r.term]:
                continue
            if len(toks) == 1 and s.match != "prefix":
                continue
            if any(rle_covers(enc[s.term], rle(t), s.match) for t in toks):
                by = s.term
                break
        if by is None and len(toks) > 1:
            for s in phrases:
                st = s.term.split()
                if (s.term == r.term or len(st) >= len(toks) or s.category != r.category
                        or sev[s.term] < sev[r.term]):
                    continue
                if any(all(rle_covers(rle(a), rle(b), "word") for a, b in zip(st, toks[i:i + len(st)]))
                       for i in range(len(toks) - len(st) + 1)):
                    by = s.term
                    break
        if by is None:
            kept.append(r)
        else:
            dropped.append((r.term, by))
    return kept, dropped


# --------------------------------------------------------------------------------------
# Other languages
# --------------------------------------------------------------------------------------

def build_lang(lang: str, src: Path) -> tuple[list[Row], int]:
    terms = read_ldnoobw(src / "ldnoobw" / lang)
    rules = {k: _split_rule(v) for k, v in LANG_RULES.get(lang, {}).items()}
    present = set(terms)
    for key, names in rules.items():
        for t in sorted(names - present):
            log(f"{lang}: rule {key!r} names a term that is not in ldnoobw/{lang}: {t!r}")
    exclude = rules.get("exclude", set())
    rows: dict[str, Row] = {}
    excluded = 0
    for t in terms:
        if t in exclude:
            excluded += 1
            continue
        cat, sev = "profanity", "medium"
        if t in rules.get("sexual", ()):
            cat = "sexual"
        if t in rules.get("insult", ()):
            cat = "insult"
        if t in rules.get("identity", ()):
            cat, sev = "identity_attack", "high"
        elif t in rules.get("identity_medium", ()):
            cat, sev = "identity_attack", "medium"
        elif t in rules.get("low", ()):
            sev = "low"
        elif t in rules.get("high", ()):
            sev = "high"
        match = "any" if UNSEGMENTED.search(t) else "word"
        for m in ("word", "prefix", "any"):
            if t in rules.get(m, ()):
                match = m
        rows[t] = Row(t, cat, sev, match, ("ldnoobw",))
    return [rows[t] for t in sorted(rows)], excluded


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------

def validate(rows: list[Row], name: str, allow: set[str]) -> None:
    seen = set()
    for r in rows:
        assert r.term not in seen, f"{name}: duplicate term {r.term!r}"
        seen.add(r.term)
        assert r.category in CATEGORIES, f"{name}: bad category {r}"
        assert r.severity in SEVERITIES, f"{name}: bad severity {r}"
        assert r.match in MATCHES, f"{name}: bad match {r}"
        assert r.term == " ".join(r.term.split()) and r.term == r.term.lower(), f"{name}: bad term {r.term!r}"
        assert len(r.term) >= 2 and not OBFUSCATION.search(r.term), f"{name}: bad term {r.term!r}"
        assert "\t" not in r.term
        assert r.term not in NEUTRAL_IDENTITY, f"{name}: neutral identity word {r.term!r}"
        if r.term in allow:
            raise SystemExit(f"{name}: {r.term!r} is both a list term and in allow.tsv")


def write_list(path: Path, lang: str, rows: list[Row], extra: list[str]) -> None:
    head = [
        f"# Warden wordlist: {lang}. Generated by wordlists/build.py from the sources in",
        "# SOURCES.md; edit the rules in build.py (or curated.tsv, allow.tsv), not this file.",
        "# Format (FORMAT.md): term<TAB>category<TAB>severity<TAB>match<TAB>sources",
    ] + [f"# {x}" for x in extra]
    body = [r.line() for r in rows]
    path.write_text("\n".join(head + body) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=Path, default=None,
                    help="wordlist-sources directory (default: $WARDEN_WORDLIST_SOURCES "
                         "or ../shared/data/wordlist-sources from the repo root)")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: wordlists/)")
    args = ap.parse_args(argv)
    src = args.sources or Path(os.environ.get("WARDEN_WORDLIST_SOURCES") or (REPO / ".." / "shared" / "data" / "wordlist-sources"))
    src = src.resolve()
    if not (src / "surge-ai" / "profanity_en.csv").is_file():
        raise SystemExit(f"wordlist sources not found under {src}")

    args.out.mkdir(parents=True, exist_ok=True)
    allow = {t for t, _ in read_tsv(HERE / "allow.tsv", 2)}
    curated = read_tsv(HERE / "curated.tsv", 5)
    for c in curated:
        t, _ = normalize(c[0])
        if t != c[0]:
            raise SystemExit(f"curated.tsv: term {c[0]!r} is not normalized (expected {t!r})")
        if c[1] not in CATEGORIES or c[2] not in SEVERITIES or c[3] not in MATCHES:
            raise SystemExit(f"curated.tsv: bad row {c}")

    en_rows, stats = build_en(src, curated)
    validate(en_rows, "en", allow)
    write_list(args.out / "en.tsv", "en", en_rows,
               ["Sources: surge-ai/profanity (MIT), dsojevic/profanity-list (MIT), LDNOOBW (CC BY 4.0), warden (curated.tsv)."])
    summary = [f"en: {len(en_rows)} rows " + " ".join(f"{k}={v}" for k, v in sorted(stats.items()))]
    for lang in LDNOOBW_LANGS:
        if lang == "en":
            continue
        rows, excluded = build_lang(lang, src)
        validate(rows, lang, set())
        write_list(args.out / f"{lang}.tsv", lang, rows,
                   ["Source: List of Dirty, Naughty, Obscene, and Otherwise Bad Words (LDNOOBW), CC BY 4.0."])
        summary.append(f"{lang}: {len(rows)} rows (excluded {excluded})")
    for s in summary:
        log(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
