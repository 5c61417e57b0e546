#!/usr/bin/env python3
"""Checks a zhong2025 export (docs/export.md, ../shared/PARADIGMS.md) with NumPy itself.

    python3 tools/check_zhong2025.py EXPORT_DIR [SESSION_DIR ...]

Loads every Beh_<type>.npy with np.load(path, allow_pickle=True).item() and Imaging_Exp_info.npy, checks every field
name, dtype, shape and unit rule, and for each SESSION_DIR given (a session folder with derived/task.json) recomputes
the anticipatory lick fraction (and the reward-zone lick fraction) per corridor from the file alone, with the host's
definition (Rig.Host.Tasks.BehaviourMetricsCalculator: a lick in [entry, end of window); Passive: the window ends at
SoundTime + Reward_Delay_ms, Active after cue: at Gray_space_time), and compares it with the host's number in task.json.
Exit code 0 when everything holds, 1 with one line per failure otherwise.
"""
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys

try:
    import numpy as np
except ModuleNotFoundError:
    # The first python3 on PATH (pyenv, a virtualenv) may lack NumPy while the system's has it: run there instead,
    # once (RIG_CHECK_REEXEC stops a loop), or say exactly what to install.
    here = os.path.realpath(sys.executable)
    if not os.environ.get("RIG_CHECK_REEXEC"):
        for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", shutil.which("python3")):
            if not candidate or not os.path.exists(candidate) or os.path.realpath(candidate) == here:
                continue
            if subprocess.run([candidate, "-c", "import numpy"], capture_output=True).returncode == 0:
                print(f"check_zhong2025: {sys.executable} has no NumPy; running with {candidate}", file=sys.stderr)
                os.environ["RIG_CHECK_REEXEC"] = "1"
                os.execv(candidate, [candidate, os.path.abspath(__file__), *sys.argv[1:]])
    print(f"check_zhong2025: NumPy is not installed for {sys.executable}, nor for another python3 found "
          "(/usr/bin/python3, /usr/local/bin/python3). Install it: apt-get install python3-numpy (Debian/Ubuntu), "
          f"or {sys.executable} -m pip install numpy", file=sys.stderr)
    sys.exit(2)

MODES = ("Passive", "Active after cue")
STIM_IDS = {"circle1": 0, "circle2": 1, "leaf1": 2, "leaf2": 3, "leaf3": 4, "leaf1_swap1": 5, "leaf1_swap2": 6}
REQUIRED = [
    "ntrials", "Corridor_Length", "Reward_Mode", "Reward_Delay_ms", "UniqWalls", "stim_id", "WallName", "StimTrial",
    "isRew", "WallType", "Trial_start_time", "Gray_space_time", "SoundTime", "RewTime", "SoundPos", "RewPos",
    "SoundDelPos", "SoundFr", "LickTime", "LickPos", "LickTrind", "LickFr", "ft_trInd", "ft_PosCum", "ft_move",
    "ft_CorrSpc", "ft_GraySpc", "ft_WallID",
]
EXTRAS = ["ft", "ft_Pos", "ft_RunSpeed", "StartFr", "GrayFr", "EndFr", "RewardFr", "Trial_end_time", "Texture_Length",
          "Gray_Space_length", "Frame_Rate_Hz"]
DATENUM_1900, DATENUM_2100 = 693962.0, 767011.0
MS_PER_DAY = 1000.0 * 3600 * 24
KEY = re.compile(r"^(?P<mouse>.+)_(?P<date>\d{4}_\d{2}_\d{2})_(?P<block>\d+)$")

failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")


def check_array(where, beh, name, kind, length, itemsize=None):
    a = beh.get(name)
    if not isinstance(a, np.ndarray):
        fail(where, f"{name} is a {type(a).__name__}, expected a numpy array")
        return None
    ok_kind = {"f8": a.dtype == np.float64, "bool": a.dtype == np.bool_, "int": a.dtype.kind in "iu",
               "U": a.dtype.kind == "U"}[kind]
    if not ok_kind:
        fail(where, f"{name} has dtype {a.dtype}, expected {kind}")
        return None
    if a.shape != (length,):
        fail(where, f"{name} has shape {a.shape}, expected ({length},)")
        return None
    return a


def is_days(where, name, values):
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < DATENUM_1900 or finite.max() > DATENUM_2100):
        fail(where, f"{name} is not MATLAB datenum days (range {finite.min()}..{finite.max()})")


def check_beh(where, beh):
    if not isinstance(beh, dict):
        fail(where, f"beh is a {type(beh).__name__}, expected a dict")
        return False
    keys = set(beh.keys())
    missing = [k for k in REQUIRED + EXTRAS if k not in keys]
    unknown = sorted(keys - set(REQUIRED + EXTRAS))
    if missing:
        fail(where, f"missing fields {missing}")
        return False
    if unknown:
        fail(where, f"unexpected fields {unknown}")
    for name, value in beh.items():
        if isinstance(value, list):
            fail(where, f"{name} is a list; values are numpy arrays")

    n = beh["ntrials"]
    if type(n) is not int or n <= 0:
        fail(where, f"ntrials is {n!r} ({type(n).__name__}), expected a positive int")
        return False
    for name, expected in (("Corridor_Length", 60.0), ("Texture_Length", 40.0), ("Gray_Space_length", 20.0)):
        if type(beh[name]) is not float or beh[name] != expected:
            fail(where, f"{name} is {beh[name]!r}, expected the float {expected}")
    if beh["Reward_Mode"] not in MODES or type(beh["Reward_Mode"]) is not str:
        fail(where, f"Reward_Mode is {beh['Reward_Mode']!r}, expected exactly one of {MODES}")
    rate = beh["Frame_Rate_Hz"]
    if type(rate) is not float or not (math.isnan(rate) or 0 < rate <= 1000):
        fail(where, f"Frame_Rate_Hz is {rate!r}, expected the imaging frame rate in Hz as a float (NaN when unknown)")
    delay = beh["Reward_Delay_ms"]
    if type(delay) not in (int, float) or not math.isfinite(delay) or delay < 0:
        fail(where, f"Reward_Delay_ms is {delay!r}, expected a number of ms")

    wall = check_array(where, beh, "WallName", "U", n)
    uniq = beh["UniqWalls"]
    if not isinstance(uniq, np.ndarray) or uniq.dtype.kind != "U" or uniq.ndim != 1:
        fail(where, f"UniqWalls is not a 1-d unicode array")
        return False
    if wall is None:
        return False
    if not np.array_equal(uniq, np.unique(wall)) or list(uniq) != sorted(uniq):
        fail(where, f"UniqWalls {list(uniq)} is not np.unique(WallName) {list(np.unique(wall))}, sorted")
    w = len(uniq)
    stim_id = check_array(where, beh, "stim_id", "f8", w)
    if stim_id is not None:
        expected = np.array([STIM_IDS.get(str(x), np.nan) for x in uniq])
        if not np.array_equal(stim_id, expected, equal_nan=True):
            fail(where, f"stim_id {stim_id} does not match the walls {list(uniq)} (expected {expected})")

    stim = beh["StimTrial"]
    if not isinstance(stim, dict) or list(stim.keys()) != [str(x) for x in uniq]:
        fail(where, f"StimTrial is not a dict keyed by UniqWalls in order")
    else:
        for key, mask in stim.items():
            if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != (n,):
                fail(where, f"StimTrial['{key}'] is not a bool mask of shape ({n},)")
            elif not np.array_equal(mask, wall == key):
                fail(where, f"StimTrial['{key}'] is not WallName == '{key}'")

    is_rew = check_array(where, beh, "isRew", "bool", n)
    wall_type = check_array(where, beh, "WallType", "int", n)
    if wall_type is not None and not np.array_equal(uniq[wall_type], wall):
        fail(where, "UniqWalls[WallType] is not WallName")

    times = {}
    for name in ("Trial_start_time", "Gray_space_time", "SoundTime", "RewTime", "Trial_end_time"):
        times[name] = check_array(where, beh, name, "f8", n)
        if times[name] is not None:
            is_days(where, name, times[name])
    start, gray, sound, rew, end = (times[k] for k in ("Trial_start_time", "Gray_space_time", "SoundTime", "RewTime", "Trial_end_time"))
    if any(x is None for x in (start, gray, sound, rew, end)):
        return False
    if not np.all(np.isfinite(start)) or not np.all(np.isfinite(end)):
        fail(where, "every exported trial needs a start and an end time")
    seconds = (end - start) * 86400
    if np.any(seconds < 0.5) or np.any(seconds > 3600):
        fail(where, f"trial durations {seconds.min():.3g}..{seconds.max():.3g} s: times are not in days")
    if np.any(start[1:] < end[:-1] - 1e-9):
        fail(where, "a trial starts before the previous one ended")
    g = np.isfinite(gray)
    if np.any((gray[g] < start[g]) | (gray[g] > end[g])):
        fail(where, "Gray_space_time outside its trial")
    s = np.isfinite(sound)
    if np.any((sound[s] < start[s]) | (sound[s] > end[s])):
        fail(where, "SoundTime outside its trial")
    if is_rew is not None:
        if not np.array_equal(np.isfinite(rew), is_rew):
            fail(where, "isRew is not RewTime != NaN")
        r = np.isfinite(rew)
        if np.any((rew[r] < start[r]) | (rew[r] > end[r])):
            fail(where, "RewTime outside its trial")

    pos = {}
    for name in ("SoundPos", "RewPos", "SoundDelPos", "SoundFr"):
        pos[name] = check_array(where, beh, name, "f8", n)
    if pos["SoundPos"] is not None:
        if not np.array_equal(np.isfinite(pos["SoundPos"]), s):
            fail(where, "SoundPos is NaN exactly where SoundTime is not")
        if np.any((pos["SoundPos"][s] < 0) | (pos["SoundPos"][s] > 60)):
            fail(where, "SoundPos is not in dm (0-60)")
    if pos["RewPos"] is not None and is_rew is not None:
        if not np.array_equal(np.isfinite(pos["RewPos"]), is_rew):
            fail(where, "RewPos is not NaN exactly where there was no reward")
        if np.any((pos["RewPos"][is_rew] < 0) | (pos["RewPos"][is_rew] > 60)):
            fail(where, "RewPos is not in dm (0-60)")
    if pos["SoundDelPos"] is not None:
        d = pos["SoundDelPos"]
        if np.any(np.isfinite(d) & ~s) or np.any((d[np.isfinite(d)] < 0) | (d[np.isfinite(d)] > 60)):
            fail(where, "SoundDelPos is not a dm position after the cue")

    lick_time = beh["LickTime"]
    nl = lick_time.shape[0] if isinstance(lick_time, np.ndarray) and lick_time.ndim == 1 else -1
    lick_time = check_array(where, beh, "LickTime", "f8", nl)
    lick_pos = check_array(where, beh, "LickPos", "f8", nl)
    lick_tr = check_array(where, beh, "LickTrind", "int", nl)
    lick_fr = check_array(where, beh, "LickFr", "f8", nl)
    if lick_time is None or lick_pos is None or lick_tr is None or lick_fr is None:
        return False
    is_days(where, "LickTime", lick_time)
    if np.any(np.diff(lick_time) < 0):
        fail(where, "LickTime is not time-sorted")
    if np.any((lick_tr < 0) | (lick_tr >= n)):
        fail(where, "LickTrind is not a 0-based trial index")
    else:
        if np.any((lick_time < start[lick_tr]) | (lick_time > end[lick_tr])):
            fail(where, "a lick's time is outside its trial (LickTrind)")
    if np.any((lick_pos < 0) | (lick_pos > 60)):
        fail(where, "LickPos is not in dm within the corridor (0-60)")

    ft_tr = beh["ft_trInd"]
    f = ft_tr.shape[0] if isinstance(ft_tr, np.ndarray) and ft_tr.ndim == 1 else -1
    arrays = {}
    for name, kind in (("ft_trInd", "f8"), ("ft_PosCum", "f8"), ("ft_move", "f8"), ("ft_CorrSpc", "bool"),
                       ("ft_GraySpc", "bool"), ("ft_WallID", "U"), ("ft", "f8"), ("ft_Pos", "f8"), ("ft_RunSpeed", "f8")):
        arrays[name] = check_array(where, beh, name, kind, f)
    frames_ok = all(v is not None for v in arrays.values())
    for name in ("StartFr", "GrayFr", "EndFr", "RewardFr"):
        arrays[name] = check_array(where, beh, name, "f8", n)
    if not frames_ok or f < 0:
        return False
    tr, cum, move, corr, grey, wid, ft, ft_pos = (arrays[k] for k in ("ft_trInd", "ft_PosCum", "ft_move", "ft_CorrSpc", "ft_GraySpc", "ft_WallID", "ft", "ft_Pos"))
    inside = np.isfinite(tr)
    is_days(where, "ft", ft)
    if np.any(tr[inside] != np.floor(tr[inside])) or np.any((tr[inside] < 0) | (tr[inside] >= n)):
        fail(where, "ft_trInd is not a 0-based trial index (NaN outside trials)")
        return False
    if not np.array_equal(np.isfinite(cum), inside) or np.any(np.floor(cum[inside] / 60) != tr[inside]):
        fail(where, "floor(ft_PosCum / 60) != ft_trInd")
    if not np.allclose(ft_pos[inside], cum[inside] - 60 * tr[inside], rtol=0, atol=1e-6) or np.any(np.isfinite(ft_pos[~inside])):
        fail(where, "ft_Pos is not ft_PosCum - 60 * ft_trInd (NaN outside trials)")
    t0 = inside & (tr == 0)
    if t0.any() and not (0 <= cum[t0].min() < 60):
        fail(where, "ft_PosCum does not start at 0 at trial 0's entry")
    if f > 0:
        prev = np.concatenate(([np.nan], cum[:-1]))
        expected = np.where(np.isfinite(cum) & np.isfinite(prev), cum - prev, 0.0)
        if move[0] != 0 or not np.allclose(move, expected, rtol=0, atol=1e-9):
            fail(where, "ft_move is not the displacement since the previous frame (first 0)")
    p = np.where(inside, cum - 60 * np.where(inside, tr, 0), np.nan)
    if not np.array_equal(corr, inside & (p < 40)):
        fail(where, "ft_CorrSpc is not (position < 40) inside trials")
    if not np.array_equal(grey, inside & (p >= 40) & (p < 60)):
        fail(where, "ft_GraySpc is not (40 <= position < 60) inside trials")
    expected_wall = np.array(["" if not i else str(wall[int(t)]) for i, t in zip(inside, np.nan_to_num(tr))])
    if f > 0 and not np.array_equal(wid, expected_wall):
        fail(where, "ft_WallID is not WallName of the frame's trial ('' outside trials)")
    finite_ft = ft[np.isfinite(ft)]
    if np.any(np.diff(finite_ft) <= 0):
        fail(where, "ft (frame times) is not increasing")

    # Frame indices are 0-based: frame k spans ft[k] .. ft[k+1].
    def frame_matches(name, frames, when):
        ok = np.isfinite(frames) & np.isfinite(when) & (frames < f - 1)
        k = np.floor(frames[ok]).astype(int)
        tol = 2e-9  # a datenum step is ~1e-10 days
        if np.any(ft[k] > when[ok] + tol) or np.any(ft[k + 1] < when[ok] - tol):
            fail(where, f"{name} is not the 0-based frame of its time")
    frame_matches("StartFr", arrays["StartFr"], start)
    frame_matches("GrayFr", arrays["GrayFr"], gray)
    frame_matches("EndFr", arrays["EndFr"], end)
    frame_matches("RewardFr", arrays["RewardFr"], rew)
    frame_matches("SoundFr", pos["SoundFr"], sound)
    frame_matches("LickFr", lick_fr, lick_time)
    if is_rew is not None and np.any(np.isfinite(arrays["RewardFr"]) & ~is_rew):
        fail(where, "RewardFr is set on a trial without reward")
    usage(where, beh)
    return True


def usage(where, beh):
    """The access patterns of the published analysis code, which must work on the file as it is."""
    try:
        per_trial = np.array([beh["LickPos"][beh["LickTrind"] == n] for n in range(beh["ntrials"])] + [None], dtype=object)[:-1]
        for w, mask in beh["StimTrial"].items():
            order = np.argsort(beh["SoundPos"][mask])
            _ = per_trial[mask][order], beh["RewPos"][mask][order], any(beh["isRew"][mask])
        for sid in np.unique(beh["stim_id"][np.isfinite(beh["stim_id"])]):
            wall = beh["UniqWalls"][beh["stim_id"] == sid][0]
            frames = (beh["ft_WallID"] == wall) & beh["ft_CorrSpc"] & (beh["ft_move"] > 0)
            if frames.dtype != np.bool_:
                fail(where, "the frame mask of the analysis code is not boolean")
        delay_days = beh["SoundTime"] + beh["Reward_Delay_ms"] / (1000 * 3600 * 24)
        if beh["Reward_Mode"] == "Passive" or beh["Reward_Mode"] == "Active after cue":
            _ = delay_days.shape
    except Exception as e:  # the point is to report how the analysis code would break
        fail(where, f"the analysis code's access patterns fail: {type(e).__name__}: {e}")


def recompute(beh):
    """Per wall: (anticipatory fraction, reward-zone fraction, trials, ambiguous trials), from the file alone."""
    n = beh["ntrials"]
    start, gray, sound = beh["Trial_start_time"], beh["Gray_space_time"], beh["SoundTime"]
    window_end = gray.copy()
    if beh["Reward_Mode"] == "Passive":
        cue = np.isfinite(sound)
        window_end[cue] = sound[cue] + beh["Reward_Delay_ms"] / MS_PER_DAY
    out = {}
    for w in beh["UniqWalls"]:
        trials = np.flatnonzero(beh["StimTrial"][str(w)])
        anticipatory = in_zone = ambiguous = 0
        for t in trials:
            mine = beh["LickTrind"] == t
            times, positions = beh["LickTime"][mine], beh["LickPos"][mine]
            anticipatory += bool(np.any((times >= start[t]) & (times < window_end[t])))
            in_zone += bool(np.any((positions >= 20) & (positions < 40)))
            # A lick within two datenum steps of a window edge may fall either side after rounding to days.
            step = 2 * np.spacing(window_end[t])
            ambiguous += bool(np.any(np.abs(times - window_end[t]) <= step) or np.any(np.abs(times - start[t]) <= step))
        out[str(w)] = (anticipatory / len(trials), in_zone / len(trials), len(trials), ambiguous)
    return out


def number(x):
    return float(x) if not isinstance(x, str) else float(x.replace("Infinity", "inf"))


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    folder = argv[1]
    sessions = argv[2:]
    info_path = os.path.join(folder, "Imaging_Exp_info.npy")
    beh_files = sorted(glob.glob(os.path.join(folder, "Beh_*.npy")))
    if not beh_files:
        print(f"{folder}: no Beh_*.npy file")
        return 1
    loaded = {}
    for path in beh_files + [info_path]:
        raw = open(path, "rb").read()
        if b"numpy._core" in raw:
            fail(path, "references numpy._core (NumPy 2 only); it must reference numpy.core")
        if not raw.startswith(b"\x93NUMPY"):
            fail(path, "not a .npy file")
        arr = np.load(path, allow_pickle=True)
        if arr.dtype != np.dtype("O") or arr.shape != ():
            fail(path, f"holds a {arr.dtype} array of shape {arr.shape}, expected a 0-d object array")
        loaded[path] = arr.item()
        if not isinstance(loaded[path], dict):
            fail(path, "does not hold a dict")
            loaded[path] = {}

    info = loaded[info_path]
    all_beh = {}
    for path in beh_files:
        exp_type = os.path.basename(path)[len("Beh_"):-len(".npy")]
        beh_dict = loaded[path]
        keys = list(beh_dict.keys())
        parsed = [KEY.match(k) for k in keys]
        if not all(parsed):
            fail(path, f"session keys {keys} are not <mouse>_<YYYY_MM_DD>_<block>")
            continue
        order = [(m["mouse"], m["date"], int(m["block"])) for m in parsed]
        if order != sorted(order):
            fail(path, f"sessions are not mouse-major then in day order: {keys}")
        entries = info.get(exp_type)
        if not isinstance(entries, list):
            fail(info_path, f"has no list for experiment type '{exp_type}'")
        else:
            for e in entries:
                if not isinstance(e, dict) or sorted(e.keys()) != ["blk", "datexp", "mname"]:
                    fail(info_path, f"entry {e!r} is not {{'mname','datexp','blk'}}")
            listed = ["%s_%s_%s" % (e["mname"], e["datexp"], e["blk"]) for e in entries if isinstance(e, dict) and len(e) == 3]
            if listed != keys:
                fail(info_path, f"'{exp_type}' lists {listed}, the file holds {keys}")
        for key in keys:
            all_beh[key] = beh_dict[key]
            check_beh(f"{os.path.basename(path)}[{key}]", beh_dict[key])
    if set(info.keys()) != {os.path.basename(p)[4:-4] for p in beh_files}:
        fail(info_path, f"experiment types {list(info.keys())} do not match the Beh files")

    for session in sessions:
        task_path = os.path.join(session, "derived", "task.json")
        with open(task_path) as handle:
            task = json.load(handle)
        key = "%s_%s_%s" % (task["mouse"], task["session_date"].replace("-", "_"), task["block"])
        beh = all_beh.get(key)
        if beh is None:
            fail(task_path, f"session {key} is not in the export")
            continue
        if failures:
            break  # the recomputation needs a well-formed file
        got = recompute(beh)
        host = {c["wall"]: c for c in task["metrics"]["corridors"]}
        parts = []
        for wall, (frac, zone, trials, ambiguous) in got.items():
            c = host.get(wall)
            if c is None:
                fail(key, f"wall {wall} is not in task.json's metrics")
                continue
            want, want_zone = number(c["anticipatory_lick_fraction"]), number(c["reward_zone_lick_fraction"])
            if trials != c["completed_trials"]:
                fail(key, f"{wall}: {trials} trials in the file, {c['completed_trials']} completed trials in task.json")
            if abs(frac - want) > 1e-12 and abs(frac - want) * trials > ambiguous + 1e-9:
                fail(key, f"{wall}: anticipatory lick fraction {frac} from the file, {want} in task.json")
            if abs(zone - want_zone) > 1e-12:
                fail(key, f"{wall}: reward-zone lick fraction {zone} from the file, {want_zone} in task.json")
            note = f", {ambiguous} trial(s) with a lick within rounding of a window edge" if ambiguous else ""
            parts.append(f"{wall} {frac:.4f} (host {want:.4f}, {trials} trials{note})")
        print(f"{key}: anticipatory lick fraction " + "; ".join(parts))

    for key, beh in all_beh.items():
        if isinstance(beh, dict) and "ntrials" in beh:
            print(f"{key}: {beh['ntrials']} trials, {len(beh['LickTime'])} licks, {len(beh['ft_trInd'])} frames, "
                  f"Reward_Mode {beh['Reward_Mode']!r}, walls {list(beh['UniqWalls'])}")
    if failures:
        for line in failures:
            print("FAIL " + line)
        print(f"zhong2025 check: {len(failures)} failure(s)")
        return 1
    print(f"zhong2025 check: OK ({len(all_beh)} sessions, {len(sessions)} recomputed; numpy {np.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
