#!/usr/bin/env python3
"""Write members.jsonl, queries.jsonl and qrels.tsv of the own-holdout set (deterministic).

    python3 tests/eval/own-holdout/build.py [OUTDIR]

Everything is hand-written here: entries (key -> "done" summaries), distractors that share
words but not the practice, interest-only decoys, filler members, and the questions with their
judgments (grade 2 = has done it, in `relevant`; grade 1 = closely related, qrels only).
The judgments were written before the search was first run on this set.
"""

from __future__ import annotations

import json
import os
import random
import sys

# key -> (role, [done summaries, optionally (summary, [tags])])
DOERS: dict[str, tuple[str, list]] = {
    # safeguarding recording
    "sg1": (
        "Deputy head",
        [
            "Moved our safeguarding records from paper forms to CPOMS across "
            "the trust's five schools"
        ],
    ),
    "sg2": (
        "Designated safeguarding lead",
        [
            (
                "Set up MyConcern for logging welfare concerns and "
                "trained every member of staff to use it",
                ["safeguarding"],
            )
        ],
    ),
    "sg3": (
        "Pastoral lead",
        ["Replaced the cause-for-concern slips with an online recording system for the DSL team"],
    ),
    # educational visits (EVOLVE) -- a false friend of Project Evolve
    "ev1": (
        "Educational visits coordinator",
        ["Put every trip's risk assessment into EVOLVE so the local authority signs it off online"],
    ),
    "ev2": (
        "Assistant head",
        ["Ran approval of school trips and residentials through EVOLVE and trained the EVC"],
    ),
    # exams
    "ex1": (
        "Exams officer",
        [
            "Set up locked-down exam laptops with the spellcheck disabled "
            "for candidates with access arrangements"
        ],
    ),
    "ex2": (
        "SENCo",
        [
            "Organised readers and scribes for GCSE candidates and kept the JCQ "
            "access arrangements paperwork"
        ],
    ),
    "ex3": (
        "Exams officer",
        [
            "Recruited and trained a team of invigilators for the Year 11 "
            "mock exams in the sports hall"
        ],
    ),
    # cover / staff absence
    "cv1": (
        "Cover manager",
        ["Introduced online staff absence reporting so cover is arranged before 7.30am"],
    ),
    "cv2": (
        "Business manager",
        ["Ran the daily cover rota with the Arbor cover module and cut supply costs"],
    ),
    # MIS migration
    "mi1": (
        "Data manager",
        ["Led our switch from SIMS to Arbor over the summer holidays, including data cleansing"],
    ),
    "mi2": ("Trust data manager", ["Moved three schools from Capita SIMS to Bromcom"]),
    "mi3": (
        "Office manager",
        [
            "Migrated our management information system to ScholarPack "
            "in the cloud and retrained the office"
        ],
    ),
    # network segmentation / firewall
    "nw1": (
        "Network manager",
        [
            "Replaced the core switches and split the network into VLANs "
            "for staff, pupils and guest wifi"
        ],
    ),
    "nw2": (
        "Network manager",
        ["Installed a FortiGate firewall and set up VPN access for staff working from home"],
    ),
    "nw3": ("IT technician", ["Moved the CCTV and door entry system onto their own VLAN"]),
    # procurement
    "pr1": (
        "Business manager",
        ["Ran a tender for the trust's photocopier lease through a DfE buying framework"],
    ),
    "pr2": (
        "Finance director",
        ["Procured a new school catering contract using the ESPO framework"],
    ),
    "pr3": (
        "Business manager",
        ["Wrote the invitation to tender and scored the bids for our managed IT support contract"],
    ),
    # staff wellbeing
    "wb1": (
        "Deputy head",
        ["Trained as a Mental Health First Aider and set up a staff wellbeing group"],
    ),
    "wb2": (
        "Headteacher",
        ["Ran the Education Support staff wellbeing survey and acted on the workload results"],
    ),
    "wb3": (
        "Assistant head",
        ["Brought in an email charter so staff are not expected to reply to emails out of hours"],
    ),
    # regulation / sensory (SEND)
    "rg1": ("SENCo", ["Introduced Zones of Regulation in every class across the primary"]),
    "rg2": (
        "Special school teacher",
        [("Set up a sensory room with bubble tubes and fibre optic lights", ["SEND"])],
    ),
    "rg3": (
        "Inclusion lead",
        ["Built a calm corner in each classroom for dysregulated autistic pupils"],
    ),
    # visual supports (SEND)
    "vs1": (
        "Resource base lead",
        ["Made visual timetables and Widgit symbol cards for our ASD base"],
    ),
    "vs2": (
        "Speech and language lead",
        ["Introduced Boardmaker symbols across the resourced provision"],
    ),
    "vs3": ("HLTA", ["Trained all our TAs in Makaton signing"]),
    # SENCO admin
    "se1": ("SENCo", ["Moved EHCP annual reviews to an online process with the local authority"]),
    "se2": (
        "SENCo",
        ["Set up Provision Map software to track interventions and SEN support plans"],
    ),
    # school library
    "lb1": (
        "School librarian",
        ["Launched Accelerated Reader in Year 7 and Year 8 library lessons"],
    ),
    "lb2": (
        "School librarian",
        ["Genrefied the fiction in our school library so it is shelved by genre"],
    ),
    "lb3": (
        "LRC manager",
        [
            "Ran a reading for pleasure programme with tutor time reading "
            "and a library reading challenge"
        ],
    ),
    "lb4": (
        "School librarian",
        ["Recruited pupil librarians and trained them to run the issue desk"],
    ),
    # museum learning
    "mu1": (
        "Museum learning officer",
        ["Ran the museum's object handling loan boxes for primary schools"],
    ),
    "mu2": (
        "Learning officer",
        ["Built a Romans handling collection that schools borrow for a half term"],
    ),
    "mu3": (
        "Outreach officer",
        ["Delivered museum outreach sessions in classrooms with real objects to handle"],
    ),
    # arts education
    "ar1": ("Arts lead", ["Achieved Artsmark Gold by working with local cultural partners"]),
    "ar2": (
        "Creative learning manager",
        ["Ran an artist-in-residence programme in three primary schools"],
    ),
    # parental engagement
    "pe1": ("Deputy head", ["Moved parents' evenings online with SchoolCloud video appointments"]),
    "pe2": (
        "Office manager",
        ["Set up online booking for parents evening through the Arbor parent app"],
    ),
    "pe3": ("EYFS lead", ["Ran phonics workshops for parents in Reception"]),
    # attendance
    "at1": (
        "Attendance officer",
        ["Introduced first day calling and letters for persistent absence"],
    ),
    "at2": (
        "Head of year",
        ["Worked with the education welfare officer on a persistent absentees project"],
    ),
    # behaviour
    "bh1": ("Assistant head", ["Rolled out Class Charts for behaviour points and seating plans"]),
    "bh2": ("Head of year", ["Set up behaviour logging and detentions in our MIS"]),
    # homework
    "hw1": ("Head of maths", ["Introduced Sparx Maths homework for Key Stage 3"]),
    "hw2": (
        "Maths teacher",
        ["Set weekly online maths homework on Dr Frost Maths for GCSE groups"],
    ),
    # EAL
    "ea1": (
        "EAL coordinator",
        ["Used the Bell Foundation EAL assessment framework to track new arrivals' English"],
    ),
    "ea2": (
        "EAL coordinator",
        ["Set up a buddy scheme and picture dictionaries for pupils arriving with no English"],
    ),
    # transition
    "tr1": (
        "Head of Year 7",
        ["Ran a summer transition programme for Year 6 pupils joining us in Year 7"],
    ),
}

# distractors: share words with a topic, not the practice
DISTRACTORS: dict[str, tuple[str, list]] = {
    "d_cover": ("School librarian", ["Covered all the library books with sticky-back plastic"]),
    "d_switch": ("Teaching assistant", ["Ran a Nintendo Switch gaming club at lunchtimes"]),
    "d_evolve": ("Computing lead", ["Taught online safety with Project Evolve across KS2"]),
    "d_fibre": ("Network manager", ["Got full fibre broadband installed at the infant school"]),
    "d_bell": ("Site manager", ["Fixed the school bell timer after the clocks changed"]),
    "d_timetable": ("PE teacher", ["Timetabled the Year 4 swimming lessons at the leisure centre"]),
    "d_mock": ("Deputy head", ["Led our mock Ofsted preparation and deep dives"]),
    "d_exam": ("Art teacher", ["Ran exam board moderation for art coursework"]),
    "d_evening": ("Head of year", ["Organised the Year 9 options evening"]),
    "d_library": ("Art teacher", ["Painted a mural in the library with Year 5"]),
    "d_roman": ("Cafe manager", ["Ran a Roman cookery day in the museum cafe"]),
    "d_rota": ("Catering manager", ["Managed the kitchen staff rota"]),
    "d_charts": ("Maths teacher", ["Taught bar charts and pie charts with real data"]),
    "d_reader": ("English teacher", ["Read the class novel aloud to Year 8"]),
    "d_record": ("Music teacher", ["Recorded the school choir's Christmas concert"]),
    "d_zones": ("Network manager", ["Surveyed the wifi dead zones in the sports hall"]),
    "d_lease": ("Business manager", ["Renewed the minibus lease"]),
    "d_loan": ("Network manager", ["Ran a laptop loan scheme for pupils without a device"]),
    "d_signs": ("Site manager", ["Replaced the car park signs"]),
    "d_welfare": ("Teaching assistant", ["Looked after the school hens over the holidays"]),
}

# interest-only decoys: they only WANT to learn the practice
DECOYS: dict[str, list[str]] = {
    "i_sg": ["safeguarding software like CPOMS"],
    "i_ev": ["trip risk assessments in EVOLVE"],
    "i_ex": ["exam access arrangements"],
    "i_cv": ["cover management"],
    "i_mi": ["MIS migration from SIMS"],
    "i_nw": ["VLANs and firewalls"],
    "i_pr": ["procurement frameworks"],
    "i_wb": ["staff wellbeing"],
    "i_rg": ["sensory rooms", "zones of regulation"],
    "i_vs": ["visual timetables", "Makaton"],
    "i_se": ["EHCP reviews"],
    "i_lb": ["accelerated reader", "school library"],
    "i_mu": ["museum loan boxes"],
    "i_ar": ["Artsmark"],
    "i_pe": ["online parents evenings"],
    "i_at": ["attendance"],
    "i_bh": ["behaviour management software"],
    "i_hw": ["online maths homework"],
    "i_ea": ["EAL new arrivals"],
}

FILLER = [
    "Ran the PTA summer fair",
    "Coached the under-11 football team",
    "Led the Year 6 residential to the Lake District",
    "Organised the school nativity",
    "Wrote the uniform policy",
    "Ran a lunchtime chess club",
    "Taught French in KS2",
    "Planted a school vegetable garden",
    "Organised the sponsored walk",
    "Led the sixth form induction week",
    "Ran the Christmas jumper day",
    "Coordinated the Duke of Edinburgh expeditions",
    "Ran a staff book club",
    "Took Year 10 to the Globe theatre",
    "Organised sports day",
    "Ran after-school netball",
]

# (id, query, {key: grade}, [decoy keys]); grade 2 = relevant, 1 = closely related
QUERIES: list[tuple[str, str, dict[str, int], list[str]]] = [
    (
        "h00",
        "anyone moved from paper safeguarding records to CPOMS?",
        {"sg1": 2, "sg3": 2, "sg2": 1},
        ["i_sg"],
    ),
    ("h01", "myconcern vs cpoms", {"sg1": 2, "sg2": 2, "sg3": 1}, ["i_sg"]),
    (
        "h02",
        "safegaurding recording software for a DSL team - recommendations?",
        {"sg1": 2, "sg2": 2, "sg3": 2},
        ["i_sg"],
    ),
    ("h03", "evolve for trip risk assessments", {"ev1": 2, "ev2": 2}, ["i_ev"]),
    ("h04", "who signs off residentials - has anyone used EVOLVE?", {"ev1": 2, "ev2": 2}, ["i_ev"]),
    (
        "h05",
        "exam access arrangements - word processors with spellcheck turned off?",
        {"ex1": 2, "ex2": 1},
        ["i_ex"],
    ),
    ("h06", "JCQ paperwork for readers and scribes", {"ex2": 2, "ex1": 1}, ["i_ex"]),
    ("h07", "how do you recruit invigulators for mocks?", {"ex3": 2}, ["i_ex"]),
    (
        "h08",
        "cover management - how do staff report absence first thing?",
        {"cv1": 2, "cv2": 2},
        ["i_cv"],
    ),
    ("h09", "arranging cover and reducing supply spend", {"cv2": 2, "cv1": 2}, ["i_cv"]),
    (
        "h10",
        "MIS migration from SIMS - which provider and how long did it take?",
        {"mi1": 2, "mi2": 2, "mi3": 2},
        ["i_mi"],
    ),
    ("h11", "bromcom vs arbor", {"mi2": 2, "mi1": 2}, ["i_mi"]),
    ("h12", "anyone moved off capita sims recently", {"mi1": 2, "mi2": 2, "mi3": 1}, ["i_mi"]),
    ("h13", "vlans for guest wifi", {"nw1": 2, "nw3": 1}, ["i_nw"]),
    ("h14", "new firewall - fortigate or sophos?", {"nw2": 2}, ["i_nw"]),
    ("h15", "core switch replacement in a secondary", {"nw1": 2}, ["i_nw"]),
    (
        "h16",
        "copier lease ending - anyone gone through a framework?",
        {"pr1": 2, "pr2": 1},
        ["i_pr"],
    ),
    ("h17", "tendering for managed IT support", {"pr3": 2, "pr1": 1}, ["i_pr"]),
    ("h18", "procurement frameworks for a catering contract", {"pr2": 2, "pr1": 1}, ["i_pr"]),
    ("h19", "MHFA training for staff", {"wb1": 2}, ["i_wb"]),
    ("h20", "staff wellbeing survey - which one did you use?", {"wb2": 2, "wb1": 1}, ["i_wb"]),
    ("h21", "email policy to cut teacher workload", {"wb3": 2, "wb2": 1}, ["i_wb"]),
    ("h22", "sensory room ideas for a special school", {"rg2": 2, "rg3": 1}, ["i_rg"]),
    ("h23", "zones of regulation", {"rg1": 2}, ["i_rg"]),
    ("h24", "calm corner for children with ASD", {"rg3": 2, "rg2": 1, "vs1": 1}, ["i_rg"]),
    ("h25", "widgit or boardmaker for visual timetables?", {"vs1": 2, "vs2": 2}, ["i_vs"]),
    ("h26", "makaton training for TAs", {"vs3": 2}, ["i_vs"]),
    ("h27", "symbols for non-verbal pupils", {"vs1": 2, "vs2": 2, "vs3": 1}, ["i_vs"]),
    ("h28", "EHCP annual reviews online with the LA", {"se1": 2}, ["i_se"]),
    ("h29", "provision mapping software for the SENCO", {"se2": 2}, ["i_se"]),
    ("h30", "genrefying a secondary library - worth it?", {"lb2": 2}, ["i_lb"]),
    ("h31", "accelerated reader in KS3 - did it improve reading?", {"lb1": 2, "lb3": 1}, ["i_lb"]),
    ("h32", "pupil librarians", {"lb4": 2}, ["i_lb"]),
    ("h33", "reading for pleasure in tutor time", {"lb3": 2, "lb1": 1}, ["i_lb"]),
    ("h34", "museum loan boxes for schools", {"mu1": 2, "mu2": 2, "mu3": 1}, ["i_mu"]),
    (
        "h35",
        "handling collections - how do you manage damage?",
        {"mu1": 2, "mu2": 2, "mu3": 2},
        ["i_mu"],
    ),
    ("h36", "artsmark - how much work was it?", {"ar1": 2}, ["i_ar"]),
    ("h37", "artist residency in a primary school", {"ar2": 2, "ar1": 1}, ["i_ar"]),
    ("h38", "online parents evening system", {"pe1": 2, "pe2": 2}, ["i_pe"]),
    ("h39", "schoolcloud vs teams for parents evenings", {"pe1": 2, "pe2": 1}, ["i_pe"]),
    ("h40", "phonics workshops for parents - how to get them in?", {"pe3": 2}, ["i_pe"]),
    ("h41", "improving attendance of persistent absentees", {"at1": 2, "at2": 2}, ["i_at"]),
    ("h42", "classcharts seating plans", {"bh1": 2}, ["i_bh"]),
    ("h43", "behaviour tracking in the MIS", {"bh2": 2, "bh1": 2}, ["i_bh"]),
    ("h44", "sparx maths homework - completion rates?", {"hw1": 2, "hw2": 1}, ["i_hw"]),
    ("h45", "online maths homework platform for GCSE", {"hw2": 2, "hw1": 2}, ["i_hw"]),
    ("h46", "EAL assessment framework", {"ea1": 2}, ["i_ea"]),
    ("h47", "supporting new arrivals with no English", {"ea2": 2, "ea1": 2}, ["i_ea"]),
    ("h48", "year 6 to 7 transition - ideas for vulnerable pupils", {"tr1": 2}, []),
    ("h49", "how did you get SLT to agree to a new MIS?", {"mi1": 2, "mi2": 2, "mi3": 2}, ["i_mi"]),
]

FIRST = [
    "Alys",
    "Bram",
    "Cerys",
    "Dominic",
    "Elif",
    "Fergus",
    "Georgia",
    "Hari",
    "Ines",
    "Jonah",
    "Kira",
    "Lowri",
    "Marcus",
    "Nadia",
    "Oscar",
    "Petra",
    "Rory",
    "Saira",
    "Theo",
    "Ursula",
    "Vikram",
    "Wren",
    "Yusuf",
    "Zara",
    "Anya",
    "Bryn",
    "Cleo",
    "Dara",
    "Esme",
    "Finn",
    "Gwen",
    "Hugo",
    "Ivy",
    "Jude",
    "Kofi",
    "Lena",
    "Milo",
    "Nell",
]
LAST = [
    "Ashworth",
    "Bevan",
    "Carver",
    "Dunn",
    "Eccles",
    "Frost",
    "Gray",
    "Holt",
    "Irwin",
    "Jarvis",
    "Kemp",
    "Lomas",
    "Marsh",
    "Nolan",
    "Oakes",
    "Pryce",
    "Rowe",
    "Sutton",
    "Tate",
    "Upton",
    "Vance",
    "Webb",
    "Yardley",
    "Booth",
    "Cole",
    "Drake",
    "Finch",
]
ORGS = [
    "Larkfield Primary",
    "Holmwood Academy",
    "Seaview High School",
    "Fernhill Trust",
    "Brackley Special School",
    "Riverbend Museum",
    "Orchard Infant School",
    "Kingsmead College",
    "the county library service",
    "Castlegate Arts Centre",
]
REGIONS = [
    "North West",
    "North East",
    "Yorkshire",
    "West Midlands",
    "East Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
]


def build(out: str) -> None:
    rng = random.Random(20261130)
    names = [(f, n) for f in FIRST for n in LAST]
    rng.shuffle(names)
    members: list[dict] = []
    handle_of: dict[str, str] = {}

    def add(key: str, role: str, done: list, interests: list[str]) -> None:
        first, last = names[len(members)]
        handle = (first + last).lower()
        handle_of[key] = handle
        org = rng.choice(ORGS)
        entries = [
            {
                "summary": d if isinstance(d, str) else d[0],
                "tags": [] if isinstance(d, str) else d[1],
                "year": rng.randint(2016, 2025),
            }
            for d in done
        ]
        members.append(
            {
                "handle": handle,
                "name": f"{first} {last}",
                "role": role,
                "organisation": org,
                "region": rng.choice(REGIONS),
                "bio": f"{role} at {org}.",
                "interests": interests,
                "done": entries,
            }
        )

    for key, (role, done) in DOERS.items():
        add(key, role, [*done, rng.choice(FILLER)], [])
    for key, (role, done) in DISTRACTORS.items():
        add(key, role, done, [])
    for key, interests in DECOYS.items():
        add(key, "Class teacher", [rng.choice(FILLER)], interests)
    for n in range(14):
        add(f"f{n}", "Class teacher", rng.sample(FILLER, 2), [])
    rng.shuffle(members)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "members.jsonl"), "w") as f:
        for m in members:
            f.write(json.dumps(m) + "\n")
    with open(os.path.join(out, "queries.jsonl"), "w") as f:
        for qid, query, grades, decoys in QUERIES:
            f.write(
                json.dumps(
                    {
                        "id": qid,
                        "query": query,
                        "region": None,
                        "relevant": sorted(handle_of[k] for k, g in grades.items() if g == 2),
                        "interest_only": sorted(handle_of[k] for k in decoys),
                    }
                )
                + "\n"
            )
    with open(os.path.join(out, "qrels.tsv"), "w") as f:
        f.write("query_id\thandle\tgrade\n")
        for qid, _query, grades, _decoys in QUERIES:
            for key, grade in sorted(grades.items()):
                f.write(f"{qid}\t{handle_of[key]}\t{grade}\n")


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
