"""Generate extra fairness / contrast training data for the Warden classifier.

Makes (all under training/data/, deterministic with a fixed seed, stdlib only):

  benign_identity_train.txt  benign one-line sentences about identity groups and named
  benign_identity_eval.txt   members of them (first person, third person with a name,
                             questions, pride, news-style, everyday life). Every term of
                             identity_terms.tsv appears in BOTH files.
  contrast_train.jsonl       contrast pairs {"id","text","hate","toxic","kind","pair"}:
                             a hateful statement about a group (hate=1) next to rewrites
                             of it that are not hate (negation, counter-speech quoting or
                             referencing it, news reporting, positive statements), plus
                             negated-positive hate, hate as question/opinion, obfuscated
                             hate and slurs, slur attacks vs. slur mentions and in-group
                             reclamation, and non-hateful abuse / profanity.

Why the benign TRAIN and EVAL parts differ: the eval file measures whether the model
learned "an identity word alone is not hate" rather than memorising our sentence
shapes. So the two parts share only the identity terms: templates, names, occupations,
places and verbs are disjoint (checked by --check). A model that only memorised the
train templates will show it as false positives on the eval part.

Identity words are balanced inside the contrast file: each hateful base statement emits
exactly as many hate=1 as hate=0 lines mentioning the same term (see the parity table).

Usage:  python3 training/gen_training_extra.py          # write files + summary
        python3 training/gen_training_extra.py --check  # summary/checks only, no writes
"""
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20240607
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"


# ---------------------------------------------------------------------------
# Data files
# ---------------------------------------------------------------------------
def read_tsv(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


TERMS = [(t, g, k) for t, g, k in read_tsv(HERE.parent / "wordlists" / "identity" / "en.tsv")]
SLURS = [(s, g) for s, g in (r[:2] for r in read_tsv(HERE / "identity_slurs.tsv"))]
GROUP_OF = {t: g for t, g, _ in TERMS}
ADJ = [t for t, _, k in TERMS if k == "adj"]
PLURAL = [t for t, _, k in TERMS if k == "plural_noun"]
GROUPS = sorted({g for _, g, _ in TERMS})

# Which plural noun a slur is aimed at (used for "X are nothing but <slurs>" and
# "the word <slur> has been used against X"). Falls back to any plural of the group.
SLUR_TARGETS = {
    "faggot": ["gay men", "gay people"], "fag": ["gay men", "gay people"],
    "dyke": ["lesbians"], "poof": ["gay men"],
    "tranny": ["trans women", "transgender people"], "shemale": ["trans women"],
    "bitch": ["women"], "slut": ["women", "girls"],
    "kike": ["Jews"], "muzzie": ["Muslims"], "raghead": ["Muslims", "Sikhs", "Arabs"],
    "towelhead": ["Muslims", "Sikhs", "Arabs"],
    "nigger": ["Black people"], "coon": ["Black people"],
    "chink": ["Chinese people", "Asians"], "gook": ["Asians", "Asian Americans"],
    "spic": ["Latinos", "Hispanics"], "beaner": ["Mexicans", "Latinos"],
    "wetback": ["Mexicans", "immigrants"], "paki": ["Pakistanis", "Indians"],
    "retard": ["people with Down syndrome", "disabled people", "autistic people"],
    "spaz": ["disabled people"], "crip": ["disabled people", "wheelchair users"],
    "coffin dodger": ["pensioners", "elderly people", "old people"],
}
RECLAIMABLE = {"dyke", "crip"}
SPECIAL_PLURAL = {"spaz": "spazzes", "coffin dodger": "coffin dodgers"}


def plural(w):
    if w in SPECIAL_PLURAL:
        return SPECIAL_PLURAL[w]
    if w.endswith("y") and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    if w.endswith(("s", "x", "ch", "sh")):
        return w + "es"
    return w + "s"


def art(word):
    """Indefinite article for the word that follows."""
    w = word.split()[0]
    if w in ("LGBTQ",) or (w[0].lower() in "aeio" and not w.lower().startswith(("uni", "eu"))):
        return "an"
    if w.lower().startswith(("u",)) and not w.lower().startswith(("uni", "use")):
        return "an"
    return "a"


def cap(s):
    return s[0].upper() + s[1:] if s and s[0].islower() else s


def a_(word):
    return f"{art(word)} {word}"


# ---------------------------------------------------------------------------
# Part a: benign identity sentences (train vs eval: disjoint templates + vocabulary)
# ---------------------------------------------------------------------------
FEMALE_TERMS = {"female", "women", "girls", "mothers", "Latina", "lesbian", "lesbians", "trans women"}
MALE_TERMS = {"male", "men", "gay men", "trans men", "Latino"}

TRAIN_VOCAB = {
    "names_f": ["Maria", "Aisha", "Priya", "Emma", "Fatima", "Grace", "Leila", "Chloe", "Hannah", "Sofia"],
    "names_m": ["James", "Daniel", "Tom", "Carlos", "Kenji", "Omar", "Samuel", "Diego", "Ravi", "Marcus"],
    "names_n": ["Alex", "Jordan", "Sam", "Robin", "Casey"],
    "occ": ["nurse", "teacher", "engineer", "chef", "firefighter", "pilot", "librarian",
            "architect", "plumber", "dentist", "bus driver", "software developer"],
    "place": ["the library", "the food bank", "the community garden", "the youth center",
              "the animal shelter", "the farmers market"],
    "activity": ["volunteers at", "coaches a team at", "runs a workshop at", "organizes events at",
                 "teaches a class at", "helps out at"],
    "hobby": ["hiking", "baking bread", "playing chess", "cycling", "painting", "birdwatching"],
}
EVAL_VOCAB = {
    "names_f": ["Ingrid", "Nadia", "Beatrice", "Lucia", "Rosalind", "Amara", "Mei", "Saoirse", "Zainab", "Marisol"],
    "names_m": ["Tobias", "Felix", "Yusuf", "Mateo", "Hamid", "Theo", "Wendell", "Gustavo", "Anders", "Ezra"],
    "names_n": ["Quinn", "Rowan", "Emery", "Sasha", "Devon"],
    "occ": ["pharmacist", "carpenter", "journalist", "veterinarian", "accountant", "electrician",
            "paramedic", "translator", "baker", "lawyer", "ferry captain", "data analyst"],
    "place": ["the harbour gallery", "the swimming pool", "the old cinema", "the arboretum",
              "the railway station", "the night school"],
    "activity": ["manages a project at", "founded a society at", "mentors students at", "hosted a quiz at",
                 "designed the mural at", "leads tours at"],
    "hobby": ["kayaking", "knitting", "rock climbing", "gardening", "salsa dancing", "photography"],
}

# {A}=adjective term, {aA}="a/an adjective", {P}=plural noun, {N}=name, {O}=occupation,
# {aO}="a/an occupation", {L}=place, {V}=activity verb phrase, {H}=hobby
TRAIN_ADJ_T = [
    "I'm a proud {A} {O}.",
    "{N} is {aA} {O} who {V} {L}.",
    "As {aA} person, I really love living in this city.",
    "My best friend is {A} and we spend every weekend {H}.",
    "{N} is {A} and works as {aO}.",
    "Being {A} is just one part of who I am.",
    "Our town just hired its first {A} fire chief.",
    "Happy to share that I, {aA} {O}, just got promoted!",
    "{N}, {aA} {O}, {V} {L} every Saturday.",
    "I'm {A}, I love {H}, and I make a mean lasagna.",
    "Is there {aA} community group that meets near {L}?",
    "{N} is {A} and is the funniest person in our office.",
    "The school board welcomed its first {A} member this week.",
    "Shoutout to {N}, {aA} {O} who never misses a birthday.",
]
TRAIN_PL_T = [
    "{P} are welcome at our community center.",
    "Many of my coworkers are {P}.",
    "{N} runs a support group for {P} at {L}.",
    "Are there any good podcasts made by {P}?",
    "The museum opened an exhibit about the history of {P} in this region.",
    "{P} have made huge contributions to science and medicine.",
    "Our book club is reading a novel written by and about {P}.",
    "The city council met with {P} to discuss the new park.",
    "I grew up surrounded by {P} and loved every minute of it.",
    "{N} interviewed {P} for a documentary about local food.",
    "The {O} training program now actively recruits {P}.",
    "Happy to see so many {P} at the street fair today!",
    "Where can I find resources written for {P}?",
    "{N} the {O} says {P} were the heart of the old neighbourhood.",
]
EVAL_ADJ_T = [
    "{N} is employed as {aA} {O} close to {L}.",
    "Fellow {A} {O} here, ask me anything!",
    "Last month {N}, {aA} {O}, {V} {L}.",
    "Speaking as someone who is {A}, this festival felt so welcoming.",
    "Voters picked {aA} candidate for mayor, a historic result.",
    "Honestly, I'm {A} and that has never stopped me from {H}.",
    "Meet {N}: {A}, {aO}, and a big fan of {H}.",
    "The newspaper profiled {aA} {O} who {V} {L}.",
    "Any tips for {aA} newcomer who wants to try {H}?",
    "{N} told me being {A} shaped how they see the world.",
    "Our team's new captain is {A} and brilliant at strategy.",
    "Yesterday I met {aA} {O} named {N} at {L}.",
]
EVAL_PL_T = [
    "Lots of {P} live on my road.",
    "{N} hosted a dinner for {P} from the neighbourhood.",
    "What are some bookstores owned by {P}?",
    "A recent report celebrates {P} working in healthcare.",
    "{P} deserve the same opportunities as everyone else.",
    "The festival showcased music by {P}.",
    "Researchers surveyed {P} about public transport.",
    "My grandmother taught English to {P} for decades.",
    "{N} the {O} wrote a guidebook for {P} moving here.",
    "Does {L} have any events organised by {P}?",
    "The documentary follows three {P} who run a small farm.",
]

# Group-specific extras (still one template set per split).
TRAIN_GROUP_T = {
    "sexual_orientation": ["Happy Pride to all my {A} friends!", "Are there any {A}-friendly cafes here?"],
    "gender_identity": ["Happy Pride to all my {A} friends!", "{N} came out as {A} last spring and the family threw a party."],
    "religion": ["{N} invited the whole street to celebrate with the {A} community center.",
                 "Does anyone know when the {A} community holds its charity bazaar?"],
    "disability": ["Are there any {A}-friendly gyms in this area?", "{N} is {aA} athlete training for the marathon."],
}
EVAL_GROUP_T = {
    "sexual_orientation": ["The parade was full of {A} couples and their kids.", "Which bars downtown are {A}-friendly?"],
    "gender_identity": ["We celebrated {N}'s first year living openly as {A}.", "The parade was full of {A} families."],
    "religion": ["The {A} charity collected winter coats for the shelter.", "Our neighbours invited us to a {A} wedding."],
    "disability": ["The new ferry is fully accessible for {A} travellers.", "{N} leads an {A} theatre troupe."],
}


def fill(tpl, term, vocab, rng, kind):
    g = GROUP_OF[term]
    if term in FEMALE_TERMS:
        names = vocab["names_f"]
    elif term in MALE_TERMS:
        names = vocab["names_m"]
    else:
        names = vocab["names_f"] + vocab["names_m"] + vocab["names_n"]
    occ = rng.choice(vocab["occ"])
    slots = {
        "N": rng.choice(names), "O": occ, "aO": a_(occ), "L": rng.choice(vocab["place"]),
        "V": rng.choice(vocab["activity"]), "H": rng.choice(vocab["hobby"]),
    }
    if kind == "adj":
        slots["A"] = term
        slots["aA"] = a_(term)
    else:
        slots["P"] = term
    s = tpl
    for k in sorted(slots, key=len, reverse=True):
        s = s.replace("{" + k + "}", slots[k])
    s = s.replace("an {", "{")  # never happens; guard for typos
    del g
    return cap(s)


def gen_benign(adj_t, pl_t, group_t, vocab, per_term, rng):
    out, seen = [], set()
    for term, group, kind in TERMS:
        tpls = list(adj_t if kind == "adj" else pl_t)
        if kind == "adj":
            tpls += group_t.get(group, [])
        made, tries = 0, 0
        while made < per_term and tries < per_term * 30:
            tpl = tpls[tries % len(tpls)] if tries < len(tpls) else rng.choice(tpls)
            tries += 1
            s = fill(tpl, term, vocab, rng, kind)
            if s in seen:
                continue
            seen.add(s)
            out.append(s)
            made += 1
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------------------
# Part b: contrast pairs
# ---------------------------------------------------------------------------
DEHUMAN = ["vermin", "animals", "parasites", "rats", "cockroaches", "a disease", "no better than animals",
           "filth", "savages", "a plague", "trash", "pigs", "monsters", "scum", "a cancer on society"]
DEROG_ADJ = ["subhuman", "disgusting", "worthless", "inferior", "stupid", "evil", "repulsive", "pathetic",
             "dirty", "degenerate", "revolting", "useless", "vile"]
# implicit derogation / stereotypes: (statement, negated statement, reference "claim that ...")
IMPLICIT = [
    ("{P} are all criminals", "{P} are not criminals", "claim that {P} are all criminals"),
    ("{P} can't be trusted", "{P} can be trusted just like anyone else", "claim that {P} can't be trusted"),
    ("{P} are ruining this country", "{P} are not ruining this country", "claim that {P} are ruining this country"),
    ("{P} are a burden on society", "{P} are not a burden on society", "claim that {P} are a burden on society"),
    ("{P} don't belong in this country", "{P} belong in this country as much as anyone", "claim that {P} don't belong here"),
    ("{P} are too stupid to run a business", "{P} are perfectly capable of running a business", "claim that {P} are too stupid to run a business"),
    ("{P} only care about themselves", "{P} don't only care about themselves", "claim that {P} only care about themselves"),
    ("{P} are lazy and live off welfare", "{P} are not lazy welfare cheats", "claim that {P} are lazy and live off welfare"),
    ("{P} bring nothing but crime and disease", "{P} don't bring crime and disease", "claim that {P} bring crime and disease"),
    ("{P} are a threat to our children", "{P} are not a threat to our children", "claim that {P} are a threat to children"),
    ("{P} are naturally less intelligent", "{P} are not naturally less intelligent", "claim that {P} are less intelligent"),
    ("{P} should not be allowed to vote", "{P} should be allowed to vote", "say that {P} should not be allowed to vote"),
    ("{P} shouldn't be allowed to work with kids", "{P} should be allowed to work with kids", "say {P} shouldn't be allowed to work with kids"),
]
THREATS = [
    ("{P} should be wiped out", "{P} should not be wiped out", "call for {P} to be wiped out"),
    ("all {P} should be shot", "no {P} should be shot", "say all {P} should be shot"),
    ("we need to get rid of {P} for good", "we don't need to get rid of {P}", "call for getting rid of {P}"),
    ("{P} deserve to die", "{P} don't deserve to die", "say {P} deserve to die"),
    ("I'm going to hurt any {P} I see", "I would never hurt {P}", "threaten to hurt {P}"),
    ("someone should burn down every house where {P} live", "nobody should burn down houses where {P} live", "call for burning down the homes of {P}"),
    ("{P} should be locked up in camps", "{P} should not be locked up in camps", "call for {P} to be locked up in camps"),
    ("it would be better if {P} were all dead", "it would not be better if {P} were dead", "say it would be better if {P} were dead"),
    ("someone should hang all the {P}", "nobody should hang {P}", "call for hanging {P}"),
]

HATE_QUESTION = ["Why are {P} so {X}?", "Why are all {P} so {X}?", "Is it just me or are {P} {X}?",
                 "Am I the only one who thinks {P} are {X}?", "Can we all agree that {P} are {X}?"]
HATE_QUESTION_NOUN = ["Why are {P} such {X}?", "Is it just me or are {P} {X}?",
                      "Am I the only one who thinks {P} are {X}?", "Why won't anyone admit {P} are {X}?"]
HATE_QUESTION_STMT = ["Why is nobody allowed to say {S}?", "Isn't it obvious that {S}?",
                      "Am I wrong that {S}?"]
HATE_OPINION = ["I think {S}.", "Honestly, {S}.", "In my opinion {S}.", "Let's be real, {S}.",
                "I genuinely believe {S}.", "Just my view, but {S}.", "I'll say it: {S}."]

NEGATED_HATE = ["I would never say {S}.", "{NEG}.", "It's simply not true that {S}.",
                "No, {NEG}, and anyone who says otherwise is wrong.", "I don't agree that {S}.",
                "Nobody in their right mind thinks {S}.", "It is false and cruel to say {S}."]
# threats are normative, "it is false that ..." reads wrong; negate them differently.
NEGATED_THREAT = ["I would never say {S}.", "{NEG}.", "No, {NEG}. Nobody deserves that.",
                  "Nobody should ever say {S}.", "Anyone who says {S} needs to be stopped, not cheered."]
COUNTER_QUOTE = ['Saying "{S}" is disgusting and wrong.', '"{S}" is a hateful thing to say.',
                 'Someone wrote "{S}" on the bus stop and I am furious.',
                 'I keep seeing "{S}" in the comments and it makes me sick.',
                 'Statements like "{S}" are pure bigotry.',
                 'If you think "{S}", you need to take a hard look at yourself.',
                 'My uncle said "{S}" at dinner and I walked out.',
                 'Reporting every post that says "{S}". Hate has no home here.']
COUNTER_REF = ["People who {R} are bigots.", "Anyone who would {R} should be ashamed.",
               "It's hateful to {R}.", "I'm so tired of people who {R}.",
               "Stop giving a platform to people who {R}.", "Only a bigot would {R}.",
               "We should challenge anyone who tries to {R}."]
NEWS = ["The senator was condemned for {G}.", "A council member resigned after {G} at a public meeting.",
        "Police are investigating leaflets {G}.", "The radio host faced backlash for {G}.",
        "A football club banned a fan for {G}.", "Researchers found a rise in posts {G} last year.",
        "The school apologised after a teacher was recorded {G}.",
        "The candidate lost his party's support after {G}."]
POSITIVE = ["{P} are wonderful neighbours.", "{P} make our community stronger.",
            "{P} deserve respect like everyone else.", "I'm grateful for the {P} in my life.",
            "{P} are human beings with the same rights as anyone.",
            "{P} are valued members of our town.", "So proud of the {P} who organised the food drive.",
            "{P} are just people living their lives.", "We stand with {P}.",
            "{P} are welcome here, always."]
# (positive statement hate=0, negated positive hate=1) -- the negation flips the meaning.
NEG_POS = [
    ("{P} are human.", "I don't think {P} are human."),
    ("{P} are equal to us.", "{P} will never be equal to us."),
    ("{P} deserve the same rights as everyone.", "{P} don't deserve the same rights as everyone."),
    ("{P} are real people.", "{P} are not real people."),
    ("I respect {P}.", "I will never respect {P}."),
    ("{P} are welcome in this neighbourhood.", "{P} are not welcome in this neighbourhood, not now, not ever."),
    ("{P} are as intelligent as anyone else.", "{P} are not as intelligent as normal people."),
    ("{P} are valuable members of society.", "{P} have never been valuable members of society."),
    ("I'd be happy to have {P} as neighbours.", "I'd never let {P} live next to me."),
    ("{P} can be trusted.", "{P} can never be trusted."),
    ("{P} deserve to live in peace.", "{P} don't deserve to live in peace."),
    ("{P} belong here.", "{P} will never belong here."),
]

# Family E (benign counterparts of the hateful surface forms). Families A-B put the
# opinion and question openers ("Honestly, ...", "I think ...", "Isn't it obvious that
# ...?") and "never"-negations only around hate, so a long run learns those shapes as
# evidence of hate (MODEL_CARD.md, try 7: a first-person benign sentence with "never" was
# removed, and so was its identity-free twin). The same openers around the benign
# statements, and first-person identity statements that carry a negation, break that
# correlation. Own templates and the training vocabulary; overlap.py checks the suite.
BENIGN_STMT = [p.rstrip(".") for p in POSITIVE] + [pos.rstrip(".") for pos, _ in NEG_POS]
BENIGN_OPINION = HATE_OPINION + HATE_QUESTION_STMT
BENIGN_QUESTION = ["Why are {P} so {Y}?", "Is it just me or are {P} really {Y}?",
                   "Am I the only one who thinks {P} are {Y}?", "Can we all agree that {P} are {Y}?"]
POS_ADJ = ["welcoming", "generous", "funny", "hardworking", "talented", "kind", "resilient",
           "good at organising", "fun to be around", "underrated"]
FIRST_PERSON_NEG = [
    "Being {A} has never held me back at work.",
    "I'm {A}, and no, that doesn't make me any less of {aO}.",
    "Nobody at my job cares that I'm {A}, and I love that.",
    "I'm {A} and I have never felt more at home than in this city.",
    "Yes, I'm {A}. No, it's not a big deal. Yes, I still love {H}.",
    "I've been {A} my whole life and I wouldn't change a thing.",
    "Not everyone knows I'm {A}, but my team does and they're great.",
    "I'm {A}; it isn't the most interesting thing about me, {H} is.",
    "My coworkers didn't even blink when I mentioned I'm {A}.",
    "Real talk: I'm {A} and I don't think that should surprise anyone.",
    "I'm {A} and I don't see why that would matter to anyone hiring {aO}.",
    "I never hide that I'm {A}, and I never will.",
    "To be honest, being {A} is not something I think about when I'm {H}.",
    "I'm {A}, I'm {aO}, and I'm not sure why people still ask about the first part.",
]


def gen_benign_counterparts(add, rng):
    """Family E: hate=0 rows in the opener / question / negation shapes of families A-B."""
    for p in PLURAL:
        for stmt in rng.sample(BENIGN_STMT, 7):
            op = rng.choice(BENIGN_OPINION)
            t = op.replace("{S}", stmt.replace("{P}", p))
            add(surface(cap(t), rng), 0, 0, "benign_opinion", None)
        for tpl in rng.sample(BENIGN_QUESTION, 2):
            t = tpl.replace("{P}", p).replace("{Y}", rng.choice(POS_ADJ))
            add(surface(cap(t), rng), 0, 0, "benign_question", None)
    for a in ADJ:
        for tpl in rng.sample(FIRST_PERSON_NEG, 6):
            add(surface(fill(tpl, a, TRAIN_VOCAB, rng, "adj"), rng), 0, 0, "first_person_benign", None)


ABUSE_PERSON = ["You are a disgusting {I}.", "Shut up, you pathetic {I}.", "You're the dumbest {I} I have ever met.",
                "My boss is a useless {I}.", "Get lost, you {I}.", "That referee is a clueless {I}.",
                "Nobody cares what you think, you worthless {I}.", "You absolute {I}, read the thread before replying.",
                "My ex is a lying {I}.", "What a spineless {I} you are.", "Honestly {N} is such an annoying {I}.",
                "You're a fucking {I}.", "Go to hell, you stupid {I}."]
INSULTS = ["idiot", "moron", "clown", "loser", "jerk", "fool", "creep", "imbecile", "twit", "dumbass", "asshole", "prick"]
ABUSE_OBJECT = ["This {T} is a useless piece of junk.", "My {T} is absolute garbage.", "This stupid {T} broke again.",
                "I hate this worthless {T} so much.", "This {T} is a fucking disaster.", "Whoever designed this {T} is an idiot.",
                "What a pile of crap this {T} is.", "Throw that shitty {T} in the bin."]
OBJECTS = ["printer", "laptop", "phone", "app", "update", "car", "coffee machine", "router", "game", "movie",
           "keyboard", "website", "vacuum cleaner", "washing machine", "train service"]
PROF_POS = ["Fucking brilliant news!", "Holy shit, that concert was amazing!", "Damn, this cake is good.",
            "Hell yes, we won the match!", "That was a bloody fantastic goal.", "Shit, I passed the exam!",
            "This album is fucking incredible.", "Holy crap, the view from the top is stunning.",
            "Damn right I'm proud of my sister.", "Fuck yeah, payday!", "That hike was hard as hell but so worth it.",
            "Oh shit, I forgot it was my turn to cook, ordering pizza for everyone.",
            "My kid just rode a bike for the first time, fucking proud dad moment.",
            "Bloody hell, that's the best news I've heard all year.", "The new café is damn good, go try it."]
PROF_POS_FILL = ["", " Can't wait.", " Best day ever.", " Love it.", " Wow.", " Seriously.", " So happy."]
PROF_INSULT = ["Fuck off, {N}, nobody asked you.", "You're full of shit and you know it.", "Piss off, you {I}.",
               "Shut the fuck up already.", "What the hell is wrong with you, you {I}?",
               "Eat shit, {N}.", "Screw you and your dumb opinions.", "Damn you, {N}, you ruined everything.",
               "{N}, you're a goddamn {I} and everyone knows it.", "Get your shit together, you lazy {I}.",
               "Who the fuck made you the boss, {N}?", "Nobody gives a shit about your opinion, {I}.",
               "Hey {N}, go fuck yourself.", "Your take is bullshit, you arrogant {I}."]
ABUSE_NAMES = ["Kevin", "Brenda", "Nathan", "Olivia", "Jake", "Megan", "Ryan", "Tina"]

SLUR_ATTACK = ["Shut up, you filthy {s}.", "Get out of my neighbourhood, {s}.", "No {pl} allowed in this bar.",
               "Look at that {s} thinking they belong here.", "{T} are nothing but {pl}.",
               "I can't stand {pl}.", "Another {s} moved in next door, disgusting.", "Typical {s}.",
               "Nobody wants you here, {s}.", "All {T} are {pl}, every single one.", "Go back to your cave, {s}.",
               "I hate {T}, filthy {pl}."]
SLUR_COUNTER = ['Calling someone a "{s}" is never acceptable.',
                'He got suspended for calling a classmate a "{s}", and rightly so.',
                'The word "{s}" has been used to demean {T} for generations.',
                'If you hear someone use "{s}" as an insult, speak up.',
                '"{s}" is a slur and it has no place in this forum.',
                'Calling {T} "{pl}" is hateful, full stop.',
                'My daughter came home upset because a boy called her friend a "{s}".',
                'The player was fined for shouting "{s}" at an opponent.',
                'Using "{s}" about {T} is bigotry, not banter.',
                'A teacher explained to the class why "{s}" hurts {T}.',
                'The comedian apologised after using the word "{s}" on stage.',
                'Our moderators remove any post that calls someone a "{s}".',
                'Growing up, kids called me a "{s}" every day. It still hurts.',
                'The dictionary labels "{s}" as offensive and derogatory.',
                'Nobody should ever be called a "{s}".',
                'Someone spray-painted "{pl}" on the wall of the community center and police are investigating.',
                'If your friend calls {T} "{pl}", tell them it is not okay.',
                'The word "{s}" was shouted at a group of {T} outside the station, witnesses said.',
                'She reported the coworker who kept calling people "{pl}".',
                'The documentary looks at how the slur "{s}" spread online.']
RECLAIMED = {
    "dyke": ["Proud to be a queer dyke and marching at the Dyke March this Saturday!",
             "The Dyke March starts at noon, see you there, my loves!",
             "As a lesbian and a proud dyke, I found my people at the community choir.",
             "Me and my fellow dykes are running the bake sale this year.",
             "Dyke bar trivia night is back and our team is unstoppable.",
             "Twenty years together, two old dykes and a garden full of tomatoes.",
             "Happy Pride from one queer dyke to all of you!",
             "Lesbian history month: reading zines from the dyke collectives of the 80s.",
             "Proud dyke, proud auntie, proud of this community.",
             "The dyke-owned bookstore downtown is hosting a poetry night.",
             "Dykes on Bikes led the parade again and the crowd went wild.",
             "My wife and I are proud dykes and prouder moms.",
             "Our softball team is mostly dykes and we just won the league."],
    "crip": ["Crip culture is beautiful and the disability arts festival proved it.",
             "Proud crip here, the new accessible trail is amazing.",
             "As a disabled artist I call myself a crip, with pride.",
             "Our crip theatre collective opens its new show on Friday.",
             "Crip joy is watching wheelchair users take over the dance floor.",
             "Disabled people reclaiming the word crip is about pride, not pity.",
             "Reading a great book on crip theory and disability justice.",
             "Crip time means I rest when my body says so, and that's fine.",
             "Proud crip, proud cane user, proud of the access ramps we fought for.",
             "The crip dance party was the most accessible event I've been to.",
             "Crip solidarity: my disabled friends are my chosen family."],
    "queer": ["Proud to be queer and surrounded by my queer family tonight.",
              "Our queer book club meets on Thursdays, everyone welcome.",
              "Queer and thriving, thanks to this amazing community.",
              "The queer film festival had the best lineup this year."],
}

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "g": "9", "l": "1"}
LEET2 = {"a": "@", "s": "$", "i": "!", "o": "0", "e": "3"}
HOMO = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445",
        "y": "\u0443", "i": "\u0456", "A": "\u0410", "E": "\u0415", "O": "\u041e", "M": "\u041c",
        "T": "\u0422", "H": "\u041d", "B": "\u0412", "K": "\u041a", "C": "\u0421", "J": "\u0408"}


def _letters(w):
    return [i for i, c in enumerate(w) if c.isalpha()]


def obf_word(word, method, rng):
    """Return an obfuscated spelling of word (may contain spaces), different from word."""
    w = word
    idx = _letters(w)
    if method == "char_delete" and len(idx) >= 5:
        i = rng.choice(idx[1:-1])
        return w[:i] + w[i + 1:]
    if method == "char_swap" and len(idx) >= 5:
        i = rng.choice(idx[1:-2])
        if w[i] != w[i + 1] and w[i + 1].isalpha():
            return w[:i] + w[i + 1] + w[i] + w[i + 2:]
        return w[:i] + w[i] + w[i] + w[i + 1:]  # doubled letter instead
    if method == "space_add":
        sep = rng.choice([" ", " ", ".", "-", "_"])
        return sep.join(c for c in w if c != " ")
    if method == "leet":
        cand = [i for i in idx if w[i].lower() in LEET]
        if cand:
            table = LEET if rng.random() < 0.6 else {**LEET, **LEET2}
            k = max(1, len(cand) // 2 + rng.randint(0, 1))
            chosen = set(rng.sample(cand, min(k, len(cand))))
            return "".join(table.get(c.lower(), c) if i in chosen else c for i, c in enumerate(w))
    if method == "homoglyph":
        cand = [i for i in idx if w[i] in HOMO]
        if cand:
            chosen = set(rng.sample(cand, min(len(cand), rng.randint(1, 3))))
            return "".join(HOMO[c] if i in chosen else c for i, c in enumerate(w))
    if method == "mask":
        cand = [i for i in idx if w[i].lower() in "aeiou"][:2] or idx[1:2]
        i = cand[0] if cand[0] != 0 or len(cand) == 1 else cand[-1]
        if i == 0 and len(idx) > 1:
            i = idx[1]
        return w[:i] + rng.choice("*#") + w[i + 1:]
    if method == "repeat":
        i = rng.choice(idx)
        return w[:i] + w[i] * rng.randint(2, 4) + w[i:]
    # fallback: leet on first leetable letter, or append repeat
    for i in idx:
        if w[i].lower() in LEET:
            return w[:i] + LEET[w[i].lower()] + w[i + 1:]
    return w + w[-1]


OBF_STOP = {"should", "allowed", "about", "their", "every", "where", "would", "better", "there",
            "themselves", "anyone", "being", "things", "someone"}
OBF_METHODS = ["char_delete", "char_swap", "space_add", "leet", "homoglyph", "mask", "space_remove"]


def obfuscate_sentence(text, targets, method, rng):
    """Obfuscate one of the target substrings (identity term / hateful word), or for
    space_remove glue the words of the sentence together."""
    if method == "space_remove":
        words = text.split(" ")
        if len(words) < 3:
            return text.replace(" ", "")
        if rng.random() < 0.5:
            return "".join(words)
        i = rng.randrange(len(words) - 2)
        return " ".join(words[:i] + ["".join(words[i:i + 3])] + words[i + 3:])
    targets = [t for t in targets if t and t in text]
    if not targets:
        return text
    t = rng.choice(targets)
    # for multi-word terms, obfuscate the longest word
    parts = t.split(" ")
    j = max(range(len(parts)), key=lambda k: len(parts[k]))
    parts[j] = obf_word(parts[j], method, rng)
    return text.replace(t, " ".join(parts), 1)


def surface(text, rng):
    """Light social-media surface variation (case / final punctuation)."""
    r = rng.random()
    if r < 0.12:
        text = text.lower()
    elif r < 0.18 and text.endswith("."):
        text = text[:-1]
    elif r < 0.22 and text.endswith("."):
        text = text[:-1] + "!"
    return text


def gen_contrast(rng):
    rows, seen = [], set()
    counter = Counter()

    def add(text, hate, toxic, kind, pair):
        text = text.strip()
        key = text.lower() if not any(ord(c) > 127 for c in text) else text
        if key in seen:
            return False
        seen.add(key)
        counter[kind] += 1
        rows.append({"id": f"cx-{kind}-{counter[kind]:05d}", "text": text, "hate": hate,
                     "toxic": max(toxic, hate), "kind": kind, "pair": pair})
        return True

    # Base hateful statements: (kind, statement, negation, reference bare vp, reference gerund, X, is_noun)
    bases = []
    for x in DEHUMAN:
        neg = "{P} are human beings, not animals" if x.startswith("no ") else "{P} are not " + x
        bases.append(("dehumanisation", "{P} are " + x, neg, "call {P} " + x, "calling {P} " + x, x, True))
    for x in DEROG_ADJ:
        bases.append(("derog_explicit", "{P} are " + x, "{P} are not " + x, "call {P} " + x, "calling {P} " + x, x, False))
    for s, n, r in IMPLICIT:
        g = re.sub(r"^(\w+)", lambda m: {"claim": "claiming", "say": "saying"}[m.group(1)], r)
        bases.append(("derog_implicit", s, n, r, g, None, False))
    for s, n, r in THREATS:
        g = re.sub(r"^(\w+)", lambda m: {"call": "calling", "say": "saying",
                                          "threaten": "threatening"}[m.group(1)], r)
        bases.append(("threat", s, n, r, g, None, False))

    # Family A: each (term, base) -> 2 hate lines + 2 non-hate lines, all mentioning the term.
    combos = [(p, b) for p in PLURAL for b in bases]
    rng.shuffle(combos)
    n_a = min(len(combos), 1500)
    extra_hate_kinds = ["hate_question", "hate_opinion", "obfuscated_hate"]
    for n, (p, b) in enumerate(combos[:n_a]):
        kind, s, neg, ref, ger, x, is_noun = b
        S = s.replace("{P}", p)
        NEG = neg.replace("{P}", p)
        R = ref.replace("{P}", p)
        G = ger.replace("{P}", p)
        pid = f"A{n:05d}"
        add(surface(cap(S) + ".", rng), 1, 1, kind, pid)
        # second hate line
        ek = rng.choices(extra_hate_kinds, weights=[3, 3, 4])[0]
        for attempt in range(12):
            if attempt >= 8:
                ek = "hate_opinion"  # fallback keeps every pair at 2 hate + 2 non-hate
            if ek == "hate_question":
                if x is not None:
                    t = rng.choice(HATE_QUESTION_NOUN if is_noun else HATE_QUESTION).replace("{P}", p).replace("{X}", x)
                    if x.startswith("no "):
                        t = t.replace(" such ", " ")
                elif kind == "threat":
                    ek = "hate_opinion"
                    continue
                else:
                    t = rng.choice(HATE_QUESTION_STMT).replace("{S}", S)
            elif ek == "hate_opinion":
                ops = HATE_OPINION if not S.startswith("I'm") else [o for o in HATE_OPINION if not o.startswith("I") and "opinion" not in o]
                t = rng.choice(ops).replace("{S}", S)
            else:
                m = rng.choice(OBF_METHODS)
                tg = [p] + ([x] if x else [w for w in S.split() if len(w) > 4 and w not in p.split() and w not in OBF_STOP][:3])
                t = obfuscate_sentence(cap(S), tg, m, rng)
                if t == cap(S):
                    continue
                ek_full = "obfuscated_hate"
                if add(t, 1, 1, ek_full, pid):
                    break
                continue
            if add(surface(cap(t), rng), 1, 1, ek, pid):
                break
        # two non-hate lines from different functionalities
        nk = rng.sample(["negated_hate", "counter_quote", "counter_reference", "news_report", "positive_identity"], 5)
        made = 0
        for k in nk:
            if made == 2:
                break
            for _ in range(8):
                if k == "negated_hate":
                    t = rng.choice(NEGATED_THREAT if kind == "threat" else NEGATED_HATE).replace("{S}", S).replace("{NEG}", NEG)
                elif k == "counter_quote":
                    t = rng.choice(COUNTER_QUOTE).replace("{S}", cap(S))
                elif k == "counter_reference":
                    t = rng.choice(COUNTER_REF).replace("{R}", R)
                elif k == "news_report":
                    t = rng.choice(NEWS).replace("{G}", G)
                else:
                    t = rng.choice(POSITIVE).replace("{P}", p)
                if add(surface(cap(t), rng), 0, 0, k, pid):
                    made += 1
                    break

    # Family B: positive statement (0) vs its negation (hate, 1).
    combos = [(p, np_) for p in PLURAL for np_ in NEG_POS]
    rng.shuffle(combos)
    for n, (p, (pos, negp)) in enumerate(combos[:700]):
        pid = f"B{n:05d}"
        if add(surface(cap(pos.replace("{P}", p)), rng), 0, 0, "positive_identity", pid):
            add(surface(cap(negp.replace("{P}", p)), rng), 1, 1, "negated_positive_hate", pid)

    # Family C: slurs. attack (1) + obfuscated attack (1) vs mention/counter (0) [+ reclaimed (0)].
    n = 0
    for s, group in SLURS:
        targets = SLUR_TARGETS.get(s) or [t for t in PLURAL if GROUP_OF[t] == group]
        pl = plural(s)
        for rep in range(10):
            pid = f"C{n:05d}"
            n += 1
            T = rng.choice(targets)
            def fs(tpl, ss=s, pp=pl):
                return cap(tpl.replace("{s}", ss).replace("{pl}", pp).replace("{T}", T))
            for _ in range(6):
                if add(surface(fs(rng.choice(SLUR_ATTACK)), rng), 1, 1, "slur_attack", pid):
                    break
            for _ in range(8):
                m = rng.choice([mm for mm in OBF_METHODS if mm != "space_remove"] + ["leet", "mask"])
                os_ = obf_word(s.replace(" ", "") if m == "space_add" else s, m, rng)
                if os_ == s:
                    continue
                tpl = rng.choice(SLUR_ATTACK)
                # plural of an obfuscated slur: obfuscate the plural form instead
                op = obf_word(pl, m, rng) if "{pl}" in tpl else pl
                if add(fs(tpl, os_, op), 1, 1, "obfuscated_slur", pid):
                    break
            for _ in range(20):
                if add(fs(rng.choice(SLUR_COUNTER)), 0, 0, "slur_counter", pid):
                    break
            if True:
                for _ in range(20):
                    if s in RECLAIMABLE:
                        ok = add(rng.choice(RECLAIMED[s]), 0, 0, "reclaimed_slur", pid)
                    else:
                        ok = add(fs(rng.choice(SLUR_COUNTER)), 0, 0, "slur_counter", pid)
                    if ok:
                        break
    for t in RECLAIMED["queer"]:
        add(t, 0, 0, "reclaimed_slur", None)
    # leftover reclaimed sentences, unpaired
    for s in sorted(RECLAIMABLE):
        for t in RECLAIMED[s]:
            add(t, 0, 0, "reclaimed_slur", None)

    # Family D: non-hateful abuse and profanity (no identity words).
    for tpl in ABUSE_PERSON:
        for ins in INSULTS:
            t = tpl.replace("{I}", ins).replace("{N}", rng.choice(ABUSE_NAMES))
            t = t.replace(" a " + ins, " " + a_(ins)).replace("an annoying", "an annoying")
            add(surface(t, rng), 0, 1, "abuse_individual", None)
    for tpl in ABUSE_OBJECT:
        for ob in OBJECTS:
            add(surface(tpl.replace("{T}", ob), rng), 0, 1, "abuse_object", None)
    for base in PROF_POS:
        for f in PROF_POS_FILL:
            add(base + f, 0, 0, "profanity_positive", None)
    for tpl in PROF_INSULT:
        for ins in INSULTS:
            for nm in ABUSE_NAMES[:3]:
                add(surface(tpl.replace("{I}", ins).replace("{N}", nm), rng), 0, 1, "profanity_insult", None)

    rng.shuffle(rows)
    # After the shuffle, with generators of their own: families A-D stay as they were.
    first = len(rows)
    gen_benign_counterparts(add, random.Random(SEED + 3))
    tail = rows[first:]
    random.Random(SEED + 4).shuffle(tail)
    rows[first:] = tail
    return rows


# ---------------------------------------------------------------------------
# Summary / checks
# ---------------------------------------------------------------------------
def term_re(term):
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w])", re.IGNORECASE)


def summary(train, evl, rows):
    ok = True
    print(f"identity terms: {len(TERMS)} ({len(ADJ)} adj, {len(PLURAL)} plural) in {len(GROUPS)} groups; slurs: {len(SLURS)}")
    print(f"benign_identity_train.txt: {len(train)}   benign_identity_eval.txt: {len(evl)}")
    # coverage + disjointness
    missing = [(t, sp) for t, _, _ in TERMS for sp, lines in (("train", train), ("eval", evl))
               if not any(term_re(t).search(l) for l in lines)]
    if missing:
        ok = False
        print("  MISSING terms:", missing[:20])
    if set(train) & set(evl):
        ok = False
        print("  OVERLAP train/eval sentences:", len(set(train) & set(evl)))
    if len(set(train)) != len(train) or len(set(evl)) != len(evl):
        ok = False
        print("  DUPLICATES in benign files")
    shared = {}
    for k in TRAIN_VOCAB:
        inter = set(TRAIN_VOCAB[k]) & set(EVAL_VOCAB[k])
        if inter:
            shared[k] = inter
    tpl_shared = set(TRAIN_ADJ_T + TRAIN_PL_T) & set(EVAL_ADJ_T + EVAL_PL_T)
    if shared or tpl_shared:
        ok = False
        print("  SHARED vocab/templates:", shared, tpl_shared)
    stop = set("a an the is are and of to in for at who i i'm my our as be by on with this it its has "
               "have me one from about any there here that what some so".split())
    idw = {w for t, _, _ in TERMS for w in t.lower().split()}
    words = [set(re.findall(r"[a-z']+", " ".join(x).lower())) for x in (train, evl)]
    shared_words = sorted((words[0] & words[1]) - stop - idw)
    print("  content words shared by train and eval (besides identity terms):", shared_words or "none")
    old_eval = HERE / "benign_identity.txt"
    if old_eval.exists():
        old = {l.strip().lower() for l in open(old_eval, encoding="utf-8") if l.strip()}
        leak = [x for x in train + evl if x.lower() in old]
        print(f"  sentences also in training/benign_identity.txt (held-out eval): {len(leak)}")
    bg = Counter()
    for sp, lines in (("train", train), ("eval", evl)):
        for t, g, _ in TERMS:
            bg[(sp, g)] += sum(1 for l in lines if term_re(t).search(l))
    print("  term mentions per group (train/eval):",
          ", ".join(f"{g}={bg[('train', g)]}/{bg[('eval', g)]}" for g in GROUPS))

    print(f"\ncontrast_train.jsonl: {len(rows)} lines")
    texts = [r["text"] for r in rows]
    if len(set(texts)) != len(texts):
        ok = False
        print("  DUPLICATE texts:", len(texts) - len(set(texts)))
    kc = Counter((r["kind"], r["hate"], r["toxic"]) for r in rows)
    print(f"  {'kind':26s} hate toxic  count")
    for (k, h, tx), c in sorted(kc.items(), key=lambda x: (-x[0][1], x[0][0])):
        print(f"  {k:26s} {h:4d} {tx:5d} {c:6d}")
    lab = Counter(r["hate"] for r in rows)
    print(f"  totals: hate=1 {lab[1]}  hate=0 {lab[0]}  toxic=1 {sum(r['toxic'] for r in rows)}")
    # identity parity per group and worst terms
    per_term = {t: [0, 0] for t in PLURAL + ADJ}
    per_group = defaultdict(lambda: [0, 0])
    regs = {t: term_re(t) for t in per_term}
    for r in rows:
        hit_groups = set()
        for t, rg in regs.items():
            if rg.search(r["text"]):
                per_term[t][r["hate"]] += 1
                hit_groups.add(GROUP_OF[t])
        for g in hit_groups:
            per_group[g][r["hate"]] += 1
    print("  lines mentioning a group term, hate=0 / hate=1 (ratio 1 = balanced):")
    for g in GROUPS:
        a, b = per_group[g]
        print(f"    {g:20s} {a:5d} / {b:5d}   ratio {b / max(a, 1):.2f}")
    skew = sorted(((b / max(a, 1), t, a, b) for t, (a, b) in per_term.items() if a + b >= 10),
                  key=lambda x: abs(x[0] - 1), reverse=True)[:8]
    print("  most skewed terms (ratio hate1/hate0, n0, n1):",
          "; ".join(f"{t} {r:.2f} ({a},{b})" for r, t, a, b in skew))
    print("\nCHECKS:", "OK" if ok else "FAILED")
    return ok


def main():
    check_only = "--check" in sys.argv
    train = gen_benign(TRAIN_ADJ_T, TRAIN_PL_T, TRAIN_GROUP_T, TRAIN_VOCAB, 12, random.Random(SEED))
    evl = gen_benign(EVAL_ADJ_T, EVAL_PL_T, EVAL_GROUP_T, EVAL_VOCAB, 7, random.Random(SEED + 1))
    rows = gen_contrast(random.Random(SEED + 2))
    if not check_only:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "benign_identity_train.txt").write_text("\n".join(train) + "\n", encoding="utf-8")
        (OUT / "benign_identity_eval.txt").write_text("\n".join(evl) + "\n", encoding="utf-8")
        with open(OUT / "contrast_train.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    ok = summary(train, evl, rows)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
