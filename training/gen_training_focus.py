"""Generate the stage-2c ("focus") training set for the Warden classifier.

Why: 2.0.1 measured weakest on these functional behaviours of our held-out suite
(MODEL_CARD.md): abuse of NON-protected groups flagged as hate (14% passed), abuse of
objects (52%) and of individuals (68%), implicit derogation (20% caught), hate with the
spaces removed (54%), explicit hatred (65%), bare slur use (model 50%), direct threats
(74%), negated hate (60% passed), counter-speech that references hate (74% passed).
The step-2 contrast set has no abuse of non-protected groups at all, and few
examples of the others. This file adds them, with the same labels as the contrast set:
hate → identity_attack; toxic → the three toxicity heads.

The decisive contrast is the TARGET: the same dehumanising or hateful sentence shapes are
written about identity groups (hate=1) and about occupations, behaviours, fandoms,
objects and named individuals (hate=0, toxic=1). A model that keys on "vermin" or
"I hate" cannot fit both; one that reads who is attacked can.

Discourse fillers ("Honestly", "Ugh", "Let's be real") are kept out of these templates:
in a first version they appeared only in toxic lines, and the model learnt them as
toxicity cues (benign sentences opening with "Honestly, I'm ..." were flagged).

Every template, group, object and name here was written for this file and differs from
training/functional/ (the evaluation suite): `--check` runs the suite's 5-gram overlap
check against this file and fails on any shared 5-gram. Deterministic (fixed seed).

Usage:  python3 training/gen_training_focus.py          # write training/data/focus_train.jsonl
        python3 training/gen_training_focus.py --check  # summary + overlap only
"""
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import gen_training_extra as X

SEED = 20261130
HERE = Path(__file__).resolve().parent
OUT = HERE / "data" / "focus_train.jsonl"

# Targets that are NOT protected characteristics: jobs, behaviours, fandoms, roles.
NONPROTECTED = [
    "car salesmen", "debt collectors", "influencers", "bureaucrats", "middle managers",
    "spam callers", "ticket touts", "slumlords", "loan sharks", "poachers", "vandals",
    "drunk drivers", "animal abusers", "school bullies", "queue jumpers", "patent trolls",
    "clickbait writers", "hedge fund managers", "airline executives", "cable company reps",
    "Yankees fans", "Spurs supporters", "Lakers fans", "conspiracy theorists", "gym bros",
    "loud neighbours", "pushy salespeople", "tax dodgers", "corrupt officials", "pickpockets",
    "card cheats", "people who spoil films", "reality TV producers", "motorists who honk",
    "dog owners who never clean up", "cyclists who run red lights", "online grifters",
    "copyright bots", "fake reviewers", "bad landlords' agents", "rival gamers",
    "people who chew loudly", "phone snatchers", "crypto scammers", "boy band fans",
]
HATRED = [
    "I hate {P}.", "I hate {P} so much.", "{P} make me sick.", "I will always hate {P}.",
    "Nothing is worse than {P}.", "{P} are the worst people alive.", "I can't bear {P}.",
    "{P} disgust me.", "{P} should all rot.",
    "{P} deserve nothing but contempt.", "I'm so done with {P}, they're revolting.",
    "{P}. Vile, all of them.", "Every single one of {P} is garbage.",
    "The world would be better without {P} in it.",
]
DEHUMAN_T = ["{P} are {X}.", "{P} are {X}, plain and simple.", "All {P} are {X}.",
             "{P} are {X}, all of them."]
OBJECTS = [
    "this toaster", "the bus timetable", "my phone battery", "this heatwave", "these ads",
    "rush hour", "spam emails", "this video game", "the parking fees", "the hotel wifi",
    "my old car", "this software", "daylight saving time", "my noisy fridge", "this traffic jam",
    "the new logo", "tax season", "this sticky keyboard", "the hospital vending machine",
    "long meetings", "my neighbour's car alarm", "the group chat", "this cold", "homework",
]
OBJECT_T = [
    "I hate {O} so much.", "{O} can go to hell.", "{O} is trash, total trash.",
    "{O} disgusts me.", "Nothing on earth is worse than {O}.", "I loathe {O}.",
    "{O} is a plague on my life.", "Burn {O} with fire.", "Fuck {O}, seriously.",
    "{O} is the devil.", "Die, {O}, die.", "{O} makes me want to scream.",
]
PEOPLE = ["Trevor", "Gemma", "Neil", "Priya", "Owen", "Chloe", "Marcus", "Shannon",
          "Dale", "Kirsty", "Bradley", "Yvonne", "Stuart", "Leanne"]
INDIVIDUAL_T = [
    "{N}, you are a rat.", "You're vermin, {N}, and everyone knows it.", "I hate you, {N}.",
    "{N} is garbage as a human being.", "Get lost {N}, you worthless clown.",
    "{N} deserves to be kicked out of the club.", "You make me sick, {N}.",
    "You are the most disgusting person here, {N}.", "{N} is a parasite who never pays rent.",
    "Nobody likes you, {N}. You're a leech.", "{N} you absolute waste of space.",
    "Drop dead, {N}.", "You're a pig, {N}, clean up after yourself.",
]
IMPLICIT_T = [
    "Hide your wallets, {G} just got on the bus.", "We had nice things before {G} showed up.",
    "{G} moving into the building means it's time to sell.", "{G} and honest work don't mix.",
    "Don't expect {G} to understand civilised manners.", "Our town was safe until {G} arrived.",
    "Notice how {G} always need handouts?", "If you want a job done badly, give it to {G}.",
    "Keep {G} out of the classroom if you want the kids to learn.",
    "Another neighbourhood ruined by {G}, who could have guessed.",
    "The moment {G} joined, the whole team went to pot.", "Never rent your flat to {G}.",
    "{G} in charge? Enjoy the chaos.", "No wonder the streets are dirty, look who lives here now: {G}.",
    "Schools were better when {G} weren't in them.", "Smell that? {G} must be nearby.",
]
EXPLICIT_T = [
    "I hate {G}.", "I hate {G} so much.", "{G} make me sick.", "I will always hate {G}.",
    "Nothing is worse than {G}.", "{G} are the worst people alive.", "I can't bear {G}.",
    "{G} disgust me.", "{G} deserve nothing but contempt.",
    "Every single one of {G} is garbage.", "The world would be better without {G} in it.",
]
THREAT_T = [
    "I will find {G} and make them pay.", "Any {G} who show up tomorrow will get stabbed.",
    "I'm gonna run over {G} with my truck.", "I'll burn down the place where {G} meet.",
    "We're going to drag {G} out of their homes.", "Watch what I do to {G} tonight.",
    "I'll break the legs of the next {G} I see.", "My gun is loaded and {G} are the target.",
]
SLUR_USE_T = [
    "{Pl} everywhere I look.", "Why do {pl} always get the best housing?",
    "Bunch of {pl} on the train tonight.", "My landlord rents to {pl} now, time to move.",
    "{Pl} ruin everything.", "Saw two {pl} at the shop, kept my distance.",
    "The new manager is one of those {pl}.", "Our street has turned into a {pl} colony.",
]
NEGATED_T = [
    "Nobody with a heart would call {G} animals.", "I do not consider {G} a threat.",
    "{G} aren't the problem, bigotry is.", "It's wrong to say {G} are dirty.",
    "I've never seen {G} as anything less than equals.", "{G} are not a disease. Stop it.",
    "I'd never tell {G} they don't belong.", "No, {G} are not criminals.",
    "{G} don't ruin neighbourhoods, neglect does.", "I will never hate {G}.",
    "I don't hate {G}, I hate the people who spread lies about them.",
    "There is nothing disgusting about {G}.",
]
COUNTER_T = [
    "Describing {G} as animals is disgusting.", "The post saying {G} should die was rightly removed.",
    "Anyone who wants {G} gone is a bigot.", "Comparing {G} to rats is straight out of a propaganda poster.",
    "Telling {G} to go back home is racist nonsense.", "Threats against {G} should be reported to the police.",
    "That thread full of hate about {G} made me feel ill.", "People spreading lies that {G} are dangerous should be ashamed.",
    "We must stand up when someone calls {G} vermin.", "The hate {G} face every day is exhausting to watch.",
    "Saying you hate {G} is not an opinion, it's bigotry.", "Blocking everyone who called {G} subhuman today.",
]

# Benign twins: the SHAPES of the hateful templates above (feelings, plans, "notice how",
# "if you want", "why do … always", the threats' verbs of action) with kind or neutral
# content about the same identity groups (hate 0, toxic 0), written from this file's own
# hateful templates. Try 3 had none: its hateful lines outnumbered the benign ones for
# every identity term, and the model learnt sentence shapes as hate (MODEL_CARD.md).
TWIN_T = [
    "I love {G}.", "I love {G} so much.", "{G} make me smile.", "I will always stand with {G}.",
    "Nothing is better than an evening with {G} from the choir.", "{G} are the best neighbours alive.",
    "I can't wait to see {G} at the street party.", "{G} inspire me.",
    "Every single one of the {G} I met at the fair was lovely.",
    "The world is better with {G} in it.",
    "I'm so glad {G} joined our running club, they're brilliant.",
    "I will find {G} a seat at the front.", "Any {G} who show up tomorrow will get a free coffee.",
    "I'm gonna drive {G} to the match in my truck.", "I'll cook dinner where {G} meet on Fridays.",
    "We're going to welcome {G} into our homes for the festival.", "Watch what I bake for {G} tonight.",
    "My van is loaded and {G} are getting the first deliveries.",
    "Notice how many {G} came to the open day?", "If you want the best tour of the old town, go with {G}.",
    "We had a great summer after {G} opened the bakery.", "{G} moving into the building means more neighbours to chat with.",
    "Our town got livelier when {G} arrived.", "Keep {G} in mind when you plan the accessible entrance.",
    "The moment {G} joined, the whole team started winning.", "Happy to rent my flat to {G}.",
    "{G} in charge? The project is in good hands.",
    "Why do {G} always get such a warm welcome here? Because people like them.",
    "Saw two {G} at the shop, we had a nice chat.", "The new manager is one of the {G} from the book club.",
]


def pl_of(slur):
    return X.SPECIAL_PLURAL.get(slur, X.plural(slur))


def generate():
    rng = random.Random(SEED)
    rows, seen, counter = [], set(), Counter()

    def add(text, hate, toxic, kind):
        text = X.surface(X.cap(text), rng)
        if text.lower() in seen:
            return
        seen.add(text.lower())
        counter[kind] += 1
        rows.append({"id": f"fx-{kind}-{counter[kind]:05d}", "text": text, "hate": hate,
                     "toxic": max(toxic, hate), "kind": kind, "pair": None})

    # Abuse of non-protected groups with the hate sentence shapes (hate 0, toxic 1).
    for p in NONPROTECTED:
        for t in rng.sample(HATRED, 6):
            add(t.replace("{P}", p), 0, 1, "nonprotected_group_abuse")
        for x in rng.sample(X.DEHUMAN + X.DEROG_ADJ, 6):
            add(rng.choice(DEHUMAN_T).replace("{P}", p).replace("{X}", x), 0, 1, "nonprotected_group_abuse")
    for o in OBJECTS:
        for t in rng.sample(OBJECT_T, 7):
            add(t.replace("{O}", o), 0, 1, "object_abuse")
    for n in PEOPLE:
        for t in rng.sample(INDIVIDUAL_T, 8):
            add(t.replace("{N}", n), 0, 1, "individual_abuse")

    # The same shapes about identity groups (hate 1), and their non-hateful rewrites (hate 0).
    groups = list(X.PLURAL)
    for g in groups:
        for t in rng.sample(EXPLICIT_T, 4):
            add(t.replace("{G}", g), 1, 1, "explicit_hatred")
        for x in rng.sample(X.DEHUMAN + X.DEROG_ADJ, 2):
            add(rng.choice(DEHUMAN_T).replace("{P}", g).replace("{X}", x), 1, 1, "explicit_hatred")
        for t in rng.sample(IMPLICIT_T, 5):
            add(t.replace("{G}", g), 1, 1, "implicit_derogation")
        for t in rng.sample(THREAT_T, 2):
            add(t.replace("{G}", g), 1, 1, "direct_threat")
        for t in rng.sample(NEGATED_T, 5):
            add(t.replace("{G}", g), 0, 0, "negated_hate")
        for t in rng.sample(COUNTER_T, 5):
            add(t.replace("{G}", g), 0, 0, "counter_reference")
        for t in rng.sample(TWIN_T, 10):
            add(t.replace("{G}", g), 0, 0, "benign_twin")
        # Hate with the spaces removed around the group word or the whole sentence.
        for t in rng.sample(EXPLICIT_T + IMPLICIT_T, 2):
            s = t.replace("{G}", g)
            if rng.random() < 0.35:
                glued = "".join(s.split())
            else:
                words = s.split(" ")
                gw = g.split(" ")[-1]
                i = next((k for k, w in enumerate(words) if w.strip(".,?!:") == gw), None)
                if i is None:
                    continue
                j = i + 1 if i + 1 < len(words) else i - 1
                lo, hi = min(i, j), max(i, j)
                glued = " ".join(words[:lo] + [words[lo] + words[hi]] + words[hi + 1:])
            add(glued, 1, 1, "removed_space_hate")
    for slur, _group in X.SLURS:
        if slur in X.RECLAIMABLE:
            continue
        for t in rng.sample(SLUR_USE_T, 4):
            pl = pl_of(slur)
            add(t.replace("{pl}", pl).replace("{Pl}", X.cap(pl)), 1, 1, "slur_use")
    rng.shuffle(rows)
    return rows


def main():
    rows = generate()
    kinds = Counter((r["kind"], r["hate"], r["toxic"]) for r in rows)
    for (k, h, t), n in sorted(kinds.items()):
        print(f"  {k:26s} hate={h} toxic={t} {n:5d}")
    print(f"  total {len(rows)}")
    if "--check" not in sys.argv:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        with open(OUT, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"wrote {OUT}")
    # Leakage check against the evaluation suite (exact and 5-gram overlap).
    rc = subprocess.call([sys.executable, str(HERE / "functional" / "overlap.py"), str(OUT)])
    sys.exit(rc)


if __name__ == "__main__":
    main()
