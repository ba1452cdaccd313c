"""Generate a FRESH, blind, held-out benign identity evaluation set for the Warden classifier.

What it is
    Writes training/data/benign_identity_eval2.txt: ~940 one-line, clearly benign sentences
    (social-media posts / comments) that name an identity group or a named member of one.
    Every term of wordlists/identity/en.tsv appears in exactly 8 sentences (adjective terms
    in adjective slots, "a Sikh locksmith"; plural nouns in plural slots, "Sikhs"). Kinds of
    sentences: first person, third person with a name, questions, pride / celebration,
    news-style reports, everyday life (family, work, sport, food, travel, study), gratitude,
    neutral facts, and mildly negative everyday moods that are about the weather, traffic
    or a broken car -- never about a group. Some lines are informal (lowercase, "lol", "!!").
    There are no slurs, insults, profanity, negated hateful claims or counter-speech here:
    those belong to other suites. A model that never flags benign speech about identity
    groups should flag none of these lines (hate=0, toxic=0 for every line).

Why it exists
    benign_identity_eval.txt (made by gen_training_extra.py) was read while a training-data
    flaw was being fixed, so it no longer judges a new model blind. This file replaces it as
    the blind benign part: its templates, names, occupations, places, hobbies, foods and
    verbs were written fresh for this file and are checked (--check) to be disjoint from
    gen_training_extra.py (TRAIN_* and EVAL_*), data/benign_identity_train.txt,
    data/benign_identity_eval.txt, data/contrast_train.jsonl, data/focus_train.jsonl,
    benign_identity.txt, functional/generate.py and functional/suite.jsonl.
    Keep it held out: do not train on it, and do not tune anything by reading it.

How to run (stdlib only, deterministic: fixed SEED)
    python3 training/gen_benign_eval2.py          # write data/benign_identity_eval2.txt + summary
    python3 training/gen_benign_eval2.py --check  # no writes: counts, overlap and leak checks;
                                                  # exit status 1 if a hard check fails
"""
import ast
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED = 7350291
PER_TERM = 8
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TERMS_TSV = ROOT / "wordlists" / "identity" / "en.tsv"
OUT_FILE = HERE / "data" / "benign_identity_eval2.txt"

# Files this set must stay blind to (read by --check only).
REFERENCE_FILES = [
    "gen_training_extra.py",
    "data/benign_identity_train.txt",
    "data/benign_identity_eval.txt",
    "data/contrast_train.jsonl",
    "data/focus_train.jsonl",
    "benign_identity.txt",
    "functional/generate.py",
    "functional/suite.jsonl",
]


# ---------------------------------------------------------------------------
# Identity terms
# ---------------------------------------------------------------------------
def read_terms(path=TERMS_TSV):
    terms = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) < 3 or parts[2] not in ("adj", "plural_noun"):
            raise ValueError(f"bad line in {path}: {line!r}")
        terms.append((parts[0], parts[1], parts[2]))
    return terms


TERMS = read_terms()
GROUP_OF = {t: g for t, g, _ in TERMS}
GROUPS = sorted({g for _, g, _ in TERMS})

# Terms whose named members / relatives must be female or male.
FEMALE_TERMS = {"female", "Latina", "lesbian"}
MALE_TERMS = {"male", "Latino"}
OLD_TERMS = {"old", "elderly", "older"}
CHILD_TERMS = {"girls", "teenagers"}
MAJORITY_TERMS = {"straight", "heterosexual", "cisgender", "white", "male",
                  "straight people", "white people", "men"}

# ---------------------------------------------------------------------------
# Vocabulary (new for this file; --check verifies none of it occurs in the reference files)
# ---------------------------------------------------------------------------
NAMES = {
    "f": ["Yolanda", "Ottilie", "Keziah", "Marguerite", "Thandiwe", "Ilse", "Catalina",
          "Esperanza", "Wanjiru", "Delphine", "Agnieszka", "Parisa", "Oona"],
    "m": ["Osvaldo", "Bartholomew", "Kwame", "Leopold", "Ignatius", "Tariq", "Alistair",
          "Cornelius", "Emeka", "Radek", "Joaquin", "Soren"],
    "n": ["Marlowe", "Kai", "Reese", "Tatum", "Ellis", "Peyton", "Arden"],
}
PRONOUN = {"f": ("her", "her"), "m": ("his", "him"), "n": ("their", "them")}  # (possessive, object)
OCCUPATIONS = ["welder", "glassblower", "locksmith", "upholsterer", "stonemason", "optician",
               "tailor", "florist", "arborist", "cobbler", "luthier", "blacksmith", "potter",
               "surveyor", "hairdresser", "roofer", "chimney sweep", "piano tuner", "beekeeper"]
CITIES = ["Lisbon", "Rotterdam", "Winnipeg", "Tbilisi", "Hobart", "Valparaiso", "Gdansk", "Bergen",
          "Tucson", "Porto", "Galway", "Marrakesh", "Adelaide", "Halifax", "Dunedin", "Leeds",
          "Ghent", "Cork"]
VENUES = ["the allotment", "the roller rink", "the planetarium", "the velodrome", "the boathouse",
          "the skatepark", "the observatory", "the lido", "the bowling alley", "the laundrette",
          "the bandstand", "the botanical glasshouse"]
# Hobbies: (noun, "spent the weekend ..." form)
HOBBIES = [("fencing", "fencing"), ("bouldering", "bouldering"), ("archery", "doing archery"),
           ("crochet", "crocheting"), ("badminton", "smashing shuttlecocks"),
           ("orienteering", "orienteering"), ("woodworking", "woodworking"), ("juggling", "juggling"),
           ("snooker", "potting snooker balls"), ("rowing", "rowing"), ("calligraphy", "doing calligraphy"),
           ("skateboarding", "skateboarding"), ("embroidery", "embroidering"), ("stargazing", "stargazing"),
           ("foraging", "foraging"), ("darts", "throwing darts")]
TEAM_SPORTS = ["netball", "hockey", "rugby", "volleyball", "handball"]
FOODS = ["plum crumble", "lentil soup", "dumplings", "flatbread", "pancakes", "noodle soup", "fish pie",
         "rhubarb tart", "chili", "fried plantain", "apple strudel", "roast squash", "mushroom risotto"]
HOLDUPS = ["the fog", "a jackknifed lorry", "the level crossing", "a burst pipe", "the hailstorm",
           "a punctured tyre", "the drawbridge", "a points fault", "the sleet", "the snow"]
# Relatives: (word, gender, generation) -- generation "up" = older than the speaker.
RELATIVES = [("godmother", "f", "up"), ("stepmum", "f", "up"), ("great-aunt", "f", "up"),
             ("niece", "f", "down"), ("sister-in-law", "f", "same"), ("stepsister", "f", "same"),
             ("godfather", "m", "up"), ("stepdad", "m", "up"), ("great-uncle", "m", "up"),
             ("nephew", "m", "down"), ("brother-in-law", "m", "same"), ("stepbrother", "m", "same")]

# ---------------------------------------------------------------------------
# Templates: (category, text, tags)
#   {A} adjective term   {aA} a/an + adjective term   {P} plural-noun term
#   {N} name (gender-matched to the term)  {pos}/{obj} that name's his/her/their, him/her/them
#   {O} occupation  {aO} a/an + occupation  {C}/{C2} cities  {V} venue  {H} hobby  {aH} a/an + hobby  {Hg} hobby as "...ing" phrase
#   {T} team sport  {F} food  {W} hold-up (weather/traffic)  {R} relative  {Rold} older relative
# tags: lc = informal, written lowercase; adult = not for girls/teenagers; noage = not for the
#       age group; no_old = not for "old" ("any old ..." reads as an idiom); no_young = not for
#       "young"; nomaj = not for majority-group terms (reads oddly there)
# ---------------------------------------------------------------------------
ADJ_TEMPLATES = [
    ("first_person", "I'm {aA} {O} in {C} and I've never enjoyed my job more than this year.", ""),
    ("first_person", "Quick intro since I'm new here: {A}, based in {C}, and I spend every spare hour {Hg}.", ""),
    ("first_person", "i'm {aA} {O} and i spent the entire weekend {Hg} lol", "lc"),
    ("first_person", "Tomorrow I start my new job as {aA} {O} in {C}, wish me luck!", ""),
    ("first_person", "Being {A} and {aO} has taken me from {C} to {C2}, and I wouldn't change a thing.", ""),
    ("third_person", "On weekdays {N} is {aA} {O}; on Sundays you'll find {obj} at {V}.", ""),
    ("third_person", "Our new neighbour {N} is {A}, practises the cello every evening, and already knows everyone on the street.", ""),
    ("third_person", "{N} is {A}, studies geology at the university in {C}, and is never without a thermos of tea.", ""),
    ("gratitude", "Huge thanks to {N}, {aA} {O} from down the lane, who towed my car out of a snowdrift yesterday.", ""),
    ("gratitude", "Grateful to the {A} {O} who stayed past closing time to finish my order yesterday.", ""),
    ("gratitude", "big thanks to {N}, our {A} {O} neighbour, for lending me a ladder this morning!!", "lc"),
    ("gratitude", "When my boiler packed in on Christmas Eve, {N}, {aA} {O} who lives two doors down, came round within the hour and I'll never forget it.", ""),
    ("pride", "{N} grew up in {C}, trained as {aO}, and is proudly {A}.", ""),
    ("pride", "Twenty years as {aA} {O} today, and I'm celebrating with a huge plate of {F}!", "noage"),
    ("pride", "So much love for {N}, our {A} goalkeeper, who saved three penalties on Saturday!", ""),
    ("pride", "{N} just qualified as {aA} {O} after a four-year apprenticeship and we are thrilled.", ""),
    ("pride", "My {Rold} turned ninety today: {A}, sharp as a tack, and still beating everyone at darts.", "no_young"),
    ("question", "Does anyone know {aA} {O} in {C} who is taking on new customers?", ""),
    ("question", "any {A} {H} fans around {C} fancy meeting up this spring?", "lc no_old"),
    ("question", "Moving to {C} in January as {aA} {O}, which neighbourhoods should I look at?", ""),
    ("question", "who else here is {A} and completely obsessed with {H}?", "lc"),
    ("question", "What's the best way for {aA} {O} to find a studio to rent in {C}?", ""),
    ("news", "{N}, {aA} {O} from {C}, has won this year's regional excellence award.", ""),
    ("news", "The local gazette reports that {aA} {O} rescued a family stranded by floodwater on the cliff road.", ""),
    ("news", "{N}, {aA} {O}, is standing for the parish council in May.", ""),
    ("news", "{aA} {O} in {C} has restored the town's Victorian clock tower, officials announced.", ""),
    ("everyday", "Spent the afternoon {Hg} with my {A} {R} and we both slept like logs afterwards.", ""),
    ("everyday", "My flatmate is {A}, does early shifts as {aO}, and makes {F} for the whole building every Friday.", ""),
    ("everyday", "Off to {C} next week with my {A} {R} for a long weekend of {H}.", ""),
    ("everyday", "just found out our new {O} is {A} too, small world", "lc no_old"),
    ("everyday", "Just finished {N}'s memoir about growing up {A} in {C} and I couldn't put it down.", "noage"),
    ("fact", "{N} is {A}, was born in {C}, and has worked as {aO} since 2009.", ""),
    ("fact", "According to the club secretary, our {H} club has fourteen {A} members this season.", "no_old"),
    ("mild_negative", "I'm {aA} {O} and {W} made me forty minutes late for my first appointment.", ""),
    ("mild_negative", "i'm {A} and i spent my whole birthday stuck behind a tractor on the cliff road lol", "lc"),
    ("mild_negative", "{N} is {aA} {O} whose hatchback broke down twice this week, and the garage still has no spares.", ""),
    ("mild_negative", "As {aA} {O} who starts work at five, I'm worn out by this sticky humidity.", ""),
    ("long", "{N} moved to {C} last autumn as {aA} {O}, and by spring {pos} allotment was the envy of the street.", ""),
]

PL_TEMPLATES = [
    ("news", "{P} in {C} raised enough money this spring to reopen the lido.", ""),
    ("news", "{P} from across the region gathered in {C} for the annual kite weekend.", ""),
    ("news", "Turnout among {P} in {C} rose sharply in Thursday's local election, officials said.", "adult"),
    ("news", "{P} in {C} can apply for the new neighbourhood grants from March.", ""),
    ("news", "The archive in {C} is digitising diaries written by {P} in the 1920s.", ""),
    ("fact", "Census figures show the number of {P} living in {C} has grown over the last decade.", ""),
    ("fact", "Roughly a third of the allotment holders in {C} are {P}, according to the parish records.", "adult"),
    ("fact", "Sign-ups from {P} for the spring {H} course doubled compared with last year.", ""),
    ("question", "How do {P} in {C} usually get out to the seaside without a car?", ""),
    ("question", "which a cappella groups in {C} were started by {P}? looking to join one", "lc"),
    ("question", "What are {P} in {C} reading this winter? I need recommendations.", ""),
    ("question", "Does anyone know a walking guide in {C} who specialises in the heritage of {P}?", "noage adult"),
    ("third_person", "{N} is compiling a cookbook of the ways {P} all over {C} make {F}.", ""),
    ("third_person", "{N} is recording an audio series about {P} who keep bees on city balconies.", ""),
    ("third_person", "{N} spent the summer collecting stories from {P} who grew up by the docks in {C}.", ""),
    ("first_person", "I'm one of the few {P} in my {H} club and everyone made me feel at home from day one.", ""),
    ("everyday", "{P} packed the velodrome on Saturday to watch the regional final.", ""),
    ("everyday", "the {P} at the skatepark taught me how to ollie yesterday lol", "lc"),
    ("everyday", "My stepmum coordinates {aH} group for {P} in {C} on Tuesday evenings.", "nomaj"),
    ("everyday", "{P} and their families filled the stands at the {T} final in {C}.", ""),
    ("everyday", "Lovely evening at the allotment swapping seedlings with {P} from the next village.", ""),
    ("everyday", "the {P} at table six just tipped me double, best shift ever!!", "lc adult"),
    ("everyday", "my {H} group is basically all {P} now and they're way better at it than me lol", "lc"),
    ("gratitude", "Big thank-you to the {P} who cleared snow from every driveway on our lane this morning.", ""),
    ("gratitude", "A heartfelt thank-you to the {P} who sang at my grandad's funeral, it meant the world.", ""),
    ("pride", "What a sight: {P} leading the lantern procession through {C} tonight!", ""),
    ("pride", "Congratulations to the {P} of {C} who finished the coastal relay in record time!", ""),
    ("pride", "Our town's {P} rebuilt the flood-damaged boathouse in six weekends, and I've never been prouder of this place.", "adult nomaj"),
    ("mild_negative", "Went to {C} with some {P} from work and the train sat in a tunnel for two hours, what a day.", "adult"),
    ("mild_negative", "Sat in traffic for an hour on the way to meet {P} from my {H} club, and now my coffee's gone cold too.", ""),
    ("mild_negative", "Interviewing {P} for my dissertation on urban beekeeping, and my hay fever picked the worst week to flare up.", ""),
    ("long", "When the bridge closed for repairs, {P} on the north side of the river set up a rowing-boat shuttle, and it turned out quicker than the detour.", "adult"),
]

# Group-specific adjective templates (added to the candidates of that group's adjective terms).
GROUP_TEMPLATES = {
    "religion": [
        ("everyday", "The {A} study circle in {C} meets on Wednesdays, and newcomers are always welcome.", ""),
        ("gratitude", "Our {A} neighbours dropped round a tray of {F} for the long weekend, what a treat.", ""),
    ],
    "ethnicity": [
        ("everyday", "{N} still makes {F} from {pos} {A} {Rold}'s handwritten notes.", ""),
    ],
    "nationality": [
        ("everyday", "{N} still makes {F} from {pos} {A} {Rold}'s handwritten notes.", ""),
    ],
    "disability": [
        ("news", "The skating rink in {C} now offers sessions for {A} skaters every Thursday.", ""),
    ],
    "sexual_orientation": [
        ("pride", "Thrilled for my {A} {R}, who tied the knot in {C} last weekend!", ""),
        ("everyday", "the {A} five-a-side squad i joined in march just won the league lol", "lc nomaj"),
    ],
    "gender_identity": [
        ("pride", "Thrilled for my {A} {R}, who tied the knot in {C} last weekend!", ""),
        ("everyday", "the {A} five-a-side squad i joined in march just won the league lol", "lc nomaj"),
    ],
    "gender": [
        ("news", "{N} is the first {A} coxswain our rowing club has had in years.", ""),
    ],
    "age": [
        ("everyday", "Three generations at my sister's wedding, and the {A} guests outlasted everyone at the party.", ""),
    ],
}

BANNED_OPENERS = ("honestly", "ugh", "let's be real", "lets be real", "look,", "seriously", "lol",
                  "tbh", "omg", "well,", "so,", "anyway", "literally", "ngl", "okay so", "ok so")


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------
def article(word):
    w = word.split()[0]
    if w.isupper():  # initialism: LGBTQ -> "an"
        return "an" if w[0] in "AEFHILMNORSX" else "a"
    lw = w.lower()
    if lw.startswith(("uni", "use", "eu", "one")):
        return "a"
    return "an" if lw[0] in "aeiou" else "a"


def a_(word):
    return f"{article(word)} {word}"


def cap(s):
    return s[:1].upper() + s[1:]


def all_templates():
    """Unique template strings (the group templates shared by two groups count once)."""
    seen = []
    for _, t, _ in ADJ_TEMPLATES + PL_TEMPLATES + [x for v in GROUP_TEMPLATES.values() for x in v]:
        if t not in seen:
            seen.append(t)
    return seen


def allowed(term, tags, tpl=""):
    tags = set(tags.split())
    group = GROUP_OF[term]
    if "adult" in tags and term in CHILD_TERMS:
        return False
    if "noage" in tags and group == "age":
        return False
    if "no_old" in tags and term == "old":
        return False
    if "no_young" in tags and term == "young":
        return False
    if "nomaj" in tags and term in MAJORITY_TERMS:
        return False
    if "{R" in tpl and term in ("male", "female"):  # "my male stepdad" is redundant
        return False
    return True


def term_gender(term):
    if term in FEMALE_TERMS:
        return "f"
    if term in MALE_TERMS:
        return "m"
    return None


def pick_relative(term, rng, older_only=False):
    g = term_gender(term)
    rel = [r for r in RELATIVES if g is None or r[1] == g]
    if older_only or term in OLD_TERMS:
        rel = [r for r in rel if r[2] == "up"]
    elif term == "young":
        rel = [r for r in rel if r[2] != "up"]
    return rng.choice(rel)[0]


def fill(tpl, tags, term, kind, rng):
    g = term_gender(term) if kind == "adj" else None
    ng = g or rng.choice("ffmmn")
    name = rng.choice(NAMES[ng])
    occ = rng.choice(OCCUPATIONS)
    hob = rng.choice(HOBBIES)
    c1, c2 = rng.sample(CITIES, 2)
    slots = {
        "N": name, "pos": PRONOUN[ng][0], "obj": PRONOUN[ng][1],
        "O": occ, "aO": a_(occ), "C": c1, "C2": c2, "V": rng.choice(VENUES),
        "H": hob[0], "Hg": hob[1], "T": rng.choice(TEAM_SPORTS), "F": rng.choice(FOODS),
        "W": rng.choice(HOLDUPS),
    }
    slots["aH"] = a_(slots["H"])
    if "{R}" in tpl:
        slots["R"] = pick_relative(term, rng)
    if "{Rold}" in tpl:
        slots["Rold"] = pick_relative(term, rng, older_only=True)
    if kind == "adj":
        slots["A"], slots["aA"] = term, a_(term)
    else:
        slots["P"] = term
    s = re.sub(r"\{(\w+)\}", lambda m: slots[m.group(1)], tpl)
    if "lc" in tags.split():
        return s.lower()
    return cap(s)


def generate():
    """Return [(sentence, term, category, template)], deterministic."""
    rng = random.Random(SEED)
    use = Counter()
    rows, seen = [], set()
    order = list(TERMS)
    rng.shuffle(order)
    for term, group, kind in order:
        base = ADJ_TEMPLATES + GROUP_TEMPLATES.get(group, []) if kind == "adj" else PL_TEMPLATES
        cands = [t for t in base if allowed(term, t[2], t[1])]
        made, cats, used_t = 0, Counter(), set()
        while made < PER_TERM:
            pool = [t for t in cands if t[1] not in used_t] or cands
            # least-used template overall, then a category this term has not had yet
            pool.sort(key=lambda t: (use[t[1]] + 2 * cats[t[0]], rng.random()))
            cat, tpl, tags = pool[0]
            for _ in range(50):
                s = fill(tpl, tags, term, kind, rng)
                if s.lower() not in seen:
                    break
            else:
                raise RuntimeError(f"could not make a new sentence for {term!r} from {tpl!r}")
            seen.add(s.lower())
            rows.append((s, term, cat, tpl))
            use[tpl] += 1
            cats[cat] += 1
            used_t.add(tpl)
            made += 1
    rng.shuffle(rows)
    return rows


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------
STOPWORDS = set("""
a an the and or but nor so yet of to in on at by for from with without within about into onto over
under up down out off than then as is are was were be been being am do does did done has have had
having i i'm i've i'll me my mine we our us you your you'll he him his she her they them their theirs
it it's its this that these those there here who whom whose which what when where why how all any
each every some no not one two own same too very can will just now still also only new s t d ll ve re
""".split())
WORD_RE = re.compile(r"[a-z0-9']+")


def words(text):
    return WORD_RE.findall(text.lower().replace("-", " "))


def norm(text):
    return re.sub(r"\s+", " ", text.strip().lower()).strip(" .!?\"'")


def grams5(text):
    w = words(text)
    return {tuple(w[i:i + 5]) for i in range(len(w) - 4)}


def py_strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value.split()) >= 3:
            out.extend(x for x in node.value.split("\n") if len(x.split()) >= 3)
    return out


def py_dict(path, name):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"{name} not found in {path}")


def read_reference(rel):
    path = HERE / rel
    if path.suffix == ".py":
        return py_strings(path)
    if path.suffix == ".jsonl":
        return [json.loads(l)["text"] for l in open(path, encoding="utf-8") if l.strip()]
    return [l.strip() for l in open(path, encoding="utf-8") if l.strip()]


def term_regex():
    alts = sorted((t for t, _, _ in TERMS), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in alts) + r")(?![\w-])", re.IGNORECASE)


def mentions(text, rx=None, lower_map=None):
    """Identity terms named in text, longest match first (so 'gay men' is not also 'men')."""
    rx = rx or term_regex()
    lower_map = lower_map or {t.lower(): t for t, _, _ in TERMS}
    return [lower_map[m.group(1).lower()] for m in rx.finditer(text)]


def check(rows):
    hard_ok = True
    sents = [r[0] for r in rows]
    print(f"output: {OUT_FILE.relative_to(ROOT)}  sentences: {len(sents)}  unique: {len(set(s.lower() for s in sents))}")
    if OUT_FILE.exists():
        on_disk = [l.rstrip("\n") for l in open(OUT_FILE, encoding="utf-8") if l.strip()]
        same = on_disk == sents
        print(f"file on disk matches this generator: {'yes' if same else 'NO (re-run without --check)'}")
        hard_ok &= same
    else:
        print("file on disk: missing (run without --check to write it)")
        hard_ok = False
    if len(set(s.lower() for s in sents)) != len(sents):
        hard_ok = False
        print("  DUPLICATE sentences")

    # templates
    tpls = all_templates()
    print(f"templates: {len(tpls)} unique ({len(ADJ_TEMPLATES)} adjective, {len(PL_TEMPLATES)} plural, "
          f"{len(tpls) - len(ADJ_TEMPLATES) - len(PL_TEMPLATES)} group-specific adjective)")
    used = Counter(r[3] for r in rows)
    unused = [t for t in tpls if not used[t]]
    print(f"  uses per template: min {min(used[t] for t in tpls)}, max {max(used.values())}; unused: {len(unused)}")
    print("  sentences per category:", ", ".join(f"{k}={v}" for k, v in sorted(Counter(r[2] for r in rows).items())))
    print(f"  informal (lowercase) lines: {sum(1 for s in sents if s == s.lower())}")

    # coverage: by longest-match mentions in the text
    rx, lm = term_regex(), {t.lower(): t for t, _, _ in TERMS}
    per_term, per_group, wrong = Counter(), Counter(), []
    for s, term, _, _ in rows:
        m = mentions(s, rx, lm)
        for t in m:
            per_term[t] += 1
        for g in {GROUP_OF[t] for t in m}:
            per_group[g] += 1
        if m != [term]:
            wrong.append((s, term, m))
    print("sentences per group:", ", ".join(f"{g}={per_group[g]}" for g in GROUPS))
    counts = [per_term[t] for t, _, _ in TERMS]
    lo = [t for t, _, _ in TERMS if per_term[t] == min(counts)]
    hi = [t for t, _, _ in TERMS if per_term[t] == max(counts)]
    print(f"sentences per term ({len(TERMS)} terms): min {min(counts)} ({', '.join(lo[:5])}{' ...' if len(lo) > 5 else ''}), "
          f"max {max(counts)} ({', '.join(hi[:5])}{' ...' if len(hi) > 5 else ''})")
    if min(counts) < 6:
        hard_ok = False
        print("  TERMS UNDER 6:", [t for t, _, _ in TERMS if per_term[t] < 6])
    print(f"sentences naming a term other than (or besides) their own: {len(wrong)}")
    for w in wrong[:5]:
        print("   ", w)
    hard_ok &= not wrong

    # openers / slurs
    bad_open = [s for s in sents if s.lower().startswith(BANNED_OPENERS)]
    print(f"sentences starting with a discourse filler: {len(bad_open)}")
    hard_ok &= not bad_open
    slur_file = HERE / "identity_slurs.tsv"
    if slur_file.exists():
        slurs = [l.split("\t")[0].strip().lower() for l in open(slur_file, encoding="utf-8")
                 if l.strip() and not l.startswith("#")]
        hits = [s for s in sents if any(re.search(r"(?<![a-z])" + re.escape(x) + r"(?![a-z])", s.lower()) for x in slurs)]
        print(f"sentences containing a word from identity_slurs.tsv: {len(hits)}")
        hard_ok &= not hits

    # overlap with the reference files
    print("\noverlap with reference files:")
    norm_out = {norm(s) for s in sents}
    gram_index = defaultdict(set)
    ref_sents = []
    ref_words = Counter()
    for rel in REFERENCE_FILES:
        ref = read_reference(rel)
        exact = len(norm_out & {norm(x) for x in ref})
        hard_ok &= exact == 0
        print(f"  {rel:34s} {len(ref):6d} lines   exact-sentence overlap: {exact}")
        for x in ref:
            i = len(ref_sents)
            ref_sents.append((rel, x))
            for gr in grams5(x):
                gram_index[gr].add(i)
        ref_words.update(words((HERE / rel).read_text(encoding="utf-8")))
    n50, any5, worst = 0, 0, []
    for s in sents:
        g = grams5(s)
        if not g:
            continue
        hits = Counter()
        for gr in g:
            for i in gram_index.get(gr, ()):
                hits[i] += 1
        if hits:
            any5 += 1
            i, c = hits.most_common(1)[0]
            share = c / len(g)
            worst.append((share, s, ref_sents[i]))
            if share >= 0.5:
                n50 += 1
    print(f"  output sentences sharing >= 50% of their word 5-grams with one reference sentence: {n50}")
    print(f"  output sentences sharing at least one word 5-gram with any reference sentence: {any5}")
    # same, with every identity term replaced by one placeholder token first, so that a long
    # term ("people with Down syndrome") does not count as shared wording by itself
    def masked(x):
        return rx.sub(" IDTERM ", x)
    mindex = defaultdict(set)
    for i, (_, x) in enumerate(ref_sents):
        for gr in grams5(masked(x)):
            mindex[gr].add(i)
    m50, many = 0, 0
    for s in sents:
        g = grams5(masked(s))
        hits = Counter(i for gr in g for i in mindex.get(gr, ()))
        if hits:
            many += 1
            if hits.most_common(1)[0][1] / len(g) >= 0.5:
                m50 += 1
    if worst:
        print("  largest shares (unmasked):")
    for share, s, (rel, x) in sorted(worst, reverse=True)[:5]:
        print(f"    {share:.0%}  {s!r}  ~  {rel}: {x!r}")
    print(f"  same with identity terms masked: >= 50% shared: {m50}; at least one shared 5-gram: {many}")

    # vocabulary
    train_vocab = py_dict(HERE / "gen_training_extra.py", "TRAIN_VOCAB")
    eval_vocab = py_dict(HERE / "gen_training_extra.py", "EVAL_VOCAB")
    old_vocab = {w for v in (train_vocab, eval_vocab) for lst in v.values() for x in lst for w in words(x)}
    id_words = {w for t, _, _ in TERMS for w in words(t)}
    out_words = {w for s in sents for w in words(s)}
    shared = sorted((out_words & old_vocab) - STOPWORDS - id_words)
    print(f"\ncontent words shared with gen_training_extra.py TRAIN_VOCAB/EVAL_VOCAB: {', '.join(shared) or 'none'}")
    my_vocab = {w for lst in (NAMES["f"], NAMES["m"], NAMES["n"], OCCUPATIONS, CITIES, VENUES,
                              [h for pair in HOBBIES for h in pair], TEAM_SPORTS, FOODS, HOLDUPS)
                for x in lst for w in words(x)}
    in_refs = sorted((my_vocab & set(ref_words)) - STOPWORDS - id_words)
    print(f"slot vocabulary (names, occupations, cities, venues, hobbies, sports, foods, hold-ups) found anywhere "
          f"in the reference files: {', '.join(in_refs) or 'none'}")
    # template shapes vs the reference generators' templates
    def shape(t):
        return re.sub(r"\{\w+\}", "{}", t).lower()
    ref_tpls = {shape(x) for rel in REFERENCE_FILES if rel.endswith(".py") for x in py_strings(HERE / rel)}
    same_shape = [t for t in tpls if shape(t) in ref_tpls]
    print(f"templates identical (up to slot names) to a reference-file template: {len(same_shape)}")
    hard_ok &= not same_shape
    print("\nCHECKS:", "OK" if hard_ok else "FAILED")
    return hard_ok


def main():
    rows = generate()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if check(rows) else 1)
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text("\n".join(r[0] for r in rows) + "\n", encoding="utf-8")
    n_terms = Counter(r[1] for r in rows)
    print(f"wrote {OUT_FILE} ({len(rows)} sentences, {len(all_templates())} templates, "
          f"{len(n_terms)} terms x {min(n_terms.values())}-{max(n_terms.values())})")
    print("run with --check for the coverage / blindness checks")


if __name__ == "__main__":
    main()
