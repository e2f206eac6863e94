//! The stream spec table given to `engine.start` (docs/ENGINE_MODULE.md) turned into an
//! [`engine::StreamSpec`], with errors that name the bad key
//! (`engine.start: spec.fields[2].width must be 1, 2, 4 or 6`). Range checks that need the port
//! (sizes against the buffer, offsets against the frame) are the engine's.

use engine::{CatchUp, Checksum, Field, FieldOp, LengthField, Rate, SizeWalk, StreamSpec, Template, TxMode};
use mlua::{Error, Result, Table, Value};

use super::vocab::{describe, integer};

const WHO: &str = "engine.start";

fn err<T>(path: &str, what: impl std::fmt::Display) -> Result<T> {
    Err(Error::runtime(format!("{WHO}: {path} {what}")))
}

/// An integer (or an integral float, as Lua scripts often compute them) in `min..=max`.
fn int(v: &Value, path: &str, min: i64, max: i64) -> Result<i64> {
    match integer(v) {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => err(
            path,
            format_args!("must be an integer in {min}..={max}, got {}", describe(v)),
        ),
    }
}

fn number(v: &Value, path: &str) -> Result<f64> {
    match v {
        Value::Integer(i) => Ok(*i as f64),
        Value::Number(f) => Ok(*f),
        _ => err(path, format_args!("must be a number, got {}", describe(v))),
    }
}

fn table(v: &Value, path: &str) -> Result<Table> {
    match v {
        Value::Table(t) => Ok(t.clone()),
        _ => err(path, format_args!("must be a table, got {}", describe(v))),
    }
}

/// Rejects keys outside `allowed`, so a typo (`chksums`) is an error rather than silently ignored.
fn only_keys(t: &Table, path: &str, allowed: &[&str]) -> Result<()> {
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        let ok = match &k {
            Value::String(s) => allowed.iter().any(|a| s.as_bytes().as_ref() == a.as_bytes()),
            _ => false,
        };
        if !ok {
            return err(
                &format!("{path}[{}]", describe(&k)),
                format_args!("is not a known key ({})", allowed.join(", ")),
            );
        }
    }
    Ok(())
}

/// The elements of an array table `t[1..n]`; any other key is an error.
fn array(v: &Value, path: &str) -> Result<Vec<Value>> {
    let t = table(v, path)?;
    let n = t.raw_len();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        out.push(t.raw_get::<Value>(i)?);
    }
    let total = t.pairs::<Value, Value>().count();
    if total != n {
        return err(path, "must be an array (keys 1..n only)");
    }
    Ok(out)
}

fn get(t: &Table, key: &str) -> Result<Value> {
    t.raw_get::<Value>(key)
}

fn required(t: &Table, path: &str, key: &str) -> Result<Value> {
    match get(t, key)? {
        Value::Nil => err(&format!("{path}.{key}"), "is required"),
        v => Ok(v),
    }
}

fn u16_at(t: &Table, path: &str, key: &str) -> Result<u16> {
    Ok(int(
        &required(t, path, key)?,
        &format!("{path}.{key}"),
        0,
        u16::MAX as i64,
    )? as u16)
}

fn checksum(v: &Value, path: &str) -> Result<Checksum> {
    let t = table(v, path)?;
    only_keys(&t, path, &["kind", "l3", "l4"])?;
    let kind = match required(&t, path, "kind")? {
        Value::String(s) => s.to_string_lossy(),
        other => {
            return err(
                &format!("{path}.kind"),
                format_args!("must be a string, got {}", describe(&other)),
            );
        }
    };
    let l3 = u16_at(&t, path, "l3")?;
    if kind == "ipv4" {
        if !get(&t, "l4")?.is_nil() {
            return err(
                &format!("{path}.l4"),
                "is not used by an ipv4 header checksum; remove it",
            );
        }
        return Ok(Checksum::Ipv4Header(l3));
    }
    let l4 = u16_at(&t, path, "l4")?;
    match kind.as_str() {
        "udp" => Ok(Checksum::Udp { l3, l4 }),
        "tcp" => Ok(Checksum::Tcp { l3, l4 }),
        "icmp" => Ok(Checksum::Icmp { l3, l4 }),
        "icmpv6" => Ok(Checksum::Icmpv6 { l3, l4 }),
        _ => err(
            &format!("{path}.kind"),
            format_args!("must be ipv4, udp, tcp, icmp or icmpv6, got {kind:?}"),
        ),
    }
}

/// One template table `{data, checksums, lengths}` (`path` names it in messages).
///
/// # Errors
/// A Lua runtime error naming the first bad key.
pub fn template(v: &Value, path: &str) -> Result<Template> {
    let t = table(v, path)?;
    only_keys(&t, path, &["data", "checksums", "lengths"])?;
    let data = match required(&t, path, "data")? {
        Value::String(s) => s.as_bytes().to_vec(),
        other => {
            return err(
                &format!("{path}.data"),
                format_args!("must be a string of frame bytes, got {}", describe(&other)),
            );
        }
    };
    let mut checksums = Vec::new();
    let cv = get(&t, "checksums")?;
    if !cv.is_nil() {
        for (i, c) in array(&cv, &format!("{path}.checksums"))?.iter().enumerate() {
            checksums.push(checksum(c, &format!("{path}.checksums[{}]", i + 1))?);
        }
    }
    let mut lengths = Vec::new();
    let lv = get(&t, "lengths")?;
    if !lv.is_nil() {
        for (i, l) in array(&lv, &format!("{path}.lengths"))?.iter().enumerate() {
            let p = format!("{path}.lengths[{}]", i + 1);
            let lt = table(l, &p)?;
            only_keys(&lt, &p, &["offset", "adjust"])?;
            let offset = u16_at(&lt, &p, "offset")?;
            let adjust = match get(&lt, "adjust")? {
                Value::Nil => 0,
                a => int(&a, &format!("{p}.adjust"), 0, u16::MAX as i64)? as u16,
            };
            lengths.push(LengthField { offset, adjust });
        }
    }
    Ok(Template {
        data,
        checksums,
        lengths,
    })
}

fn field(v: &Value, path: &str) -> Result<Field> {
    let t = table(v, path)?;
    only_keys(
        &t,
        path,
        &[
            "offset", "width", "start", "min", "max", "step", "keep", "set", "random", "uniform", "shift",
            "every",
        ],
    )?;
    let offset = u16_at(&t, path, "offset")?;
    let wv = required(&t, path, "width")?;
    let width = match int(&wv, "", 0, 255) {
        Ok(w @ (1 | 2 | 4 | 6)) => w as u8,
        _ => {
            return err(
                &format!("{path}.width"),
                format_args!("must be 1, 2, 4 or 6, got {}", describe(&wv)),
            );
        }
    };
    let all_ones = (1i64 << (8 * width as u32)) - 1;
    let opt = |key: &str, default: i64| -> Result<i64> {
        match get(&t, key)? {
            Value::Nil => Ok(default),
            v => int(&v, &format!("{path}.{key}"), 0, all_ones),
        }
    };
    let walk_keys = ["start", "min", "max", "step"]
        .iter()
        .any(|k| get(&t, k).is_ok_and(|v| !v.is_nil()));
    let random_keys = ["set", "random"]
        .iter()
        .any(|k| get(&t, k).is_ok_and(|v| !v.is_nil()));
    let uniform = !get(&t, "uniform")?.is_nil();
    let op = match (walk_keys, random_keys, uniform) {
        (false, false, true) => uniform_op(&t, path, all_ones)?,
        (true, false, false) => {
            let start = int(
                &required(&t, path, "start")?,
                &format!("{path}.start"),
                0,
                all_ones,
            )?;
            let step = match get(&t, "step")? {
                Value::Nil => 1,
                v => int(&v, &format!("{path}.step"), -all_ones, all_ones)?,
            };
            FieldOp::Walk {
                start: start as u64,
                min: opt("min", 0)? as u64,
                max: opt("max", all_ones)? as u64,
                step,
            }
        }
        (false, true, false) => FieldOp::Random {
            keep: opt("keep", 0)? as u64,
            set: opt("set", 0)? as u64,
            random: opt("random", 0)? as u64,
        },
        (false, false, false) => {
            return err(
                path,
                "needs start/min/max/step (a walk), keep/set/random (random bits) or uniform = {min, max}",
            );
        }
        _ => {
            return err(
                path,
                "mixes a walk (start/min/max/step), random bits (set/random) and a uniform draw; give one",
            );
        }
    };
    let every = match get(&t, "every")? {
        Value::Nil => 1,
        v => int(&v, &format!("{path}.every"), 1, u32::MAX as i64)? as u32,
    };
    if every > 1 && !matches!(op, FieldOp::Walk { .. }) {
        return err(
            &format!("{path}.every"),
            "applies to walks only (start/min/max/step)",
        );
    }
    Ok(Field {
        offset,
        width,
        op,
        every,
    })
}

/// `uniform = {min, max}` with `shift` and `keep`: a value drawn from min..=max per packet.
fn uniform_op(t: &Table, path: &str, all_ones: i64) -> Result<FieldOp> {
    let p = format!("{path}.uniform");
    let bounds = array(&get(t, "uniform")?, &p)?;
    let [lo, hi] = bounds.as_slice() else {
        return err(&p, "must be {min, max}");
    };
    let min = int(lo, &format!("{p}[1]"), 0, all_ones)? as u64;
    let max = int(hi, &format!("{p}[2]"), min as i64, all_ones)? as u64;
    let shift = match get(t, "shift")? {
        Value::Nil => 0,
        v => int(&v, &format!("{path}.shift"), 0, 47)? as u8,
    };
    let keep = match get(t, "keep")? {
        Value::Nil => 0,
        v => int(&v, &format!("{path}.keep"), 0, all_ones)? as u64,
    };
    Ok(FieldOp::Uniform {
        min,
        max,
        shift,
        keep,
    })
}

fn size(v: &Value) -> Result<SizeWalk> {
    let path = "spec.size";
    let t = table(v, path)?;
    only_keys(&t, path, &["start", "min", "max", "step"])?;
    let min = u16_at(&t, path, "min")?;
    let max = u16_at(&t, path, "max")?;
    let start = match get(&t, "start")? {
        Value::Nil => min,
        v => int(&v, "spec.size.start", 0, u16::MAX as i64)? as u16,
    };
    let step = match get(&t, "step")? {
        Value::Nil => 1,
        v => int(&v, "spec.size.step", -(u16::MAX as i64), u16::MAX as i64)? as i32,
    };
    Ok(SizeWalk {
        start,
        min,
        max,
        step,
    })
}

fn rate(v: &Value) -> Result<Rate> {
    let path = "spec.rate";
    let t = table(v, path)?;
    only_keys(&t, path, &["percent", "pps", "bps"])?;
    let mut found = Vec::new();
    for key in ["percent", "pps", "bps"] {
        let v = get(&t, key)?;
        if !v.is_nil() {
            found.push((key, number(&v, &format!("{path}.{key}"))?));
        }
    }
    match found.as_slice() {
        [("percent", p)] => Ok(Rate::Percent(*p)),
        [("pps", p)] => Ok(Rate::Pps(*p)),
        [("bps", b)] => Ok(Rate::Bps(*b)),
        _ => err(
            path,
            "must have exactly one of percent, pps or bps (or leave rate out to send unpaced)",
        ),
    }
}

/// The packets of a pcap file as templates (one per packet, no checksums declared) and the gaps
/// between their timestamps (the last gap 0). Sizes are clamped as every size pktgen takes in
/// (and as Pktgen's pcap loader does): a short packet is padded with zeros to the minimum
/// frame, a longer one than `max_frame` cut to it.
fn pcap_templates(v: &Value, max_frame: usize) -> Result<(Vec<Template>, Vec<u64>)> {
    let path = match v {
        Value::String(s) => s.to_string_lossy(),
        other => {
            return err(
                "spec.pcap",
                format_args!("must be a file name, got {}", describe(other)),
            );
        }
    };
    let packets = engine::read_pcap(std::path::Path::new(&path))
        .map_err(|e| Error::runtime(format!("{WHO}: spec.pcap: cannot read '{path}': {e}")))?;
    if packets.is_empty() {
        return err("spec.pcap", format_args!("'{path}' holds no packets"));
    }
    let templates = packets
        .iter()
        .map(|p| {
            let mut data = p.data.clone();
            data.resize(data.len().clamp(engine::MIN_FRAME, max_frame), 0);
            Template {
                data,
                checksums: Vec::new(),
                lengths: Vec::new(),
            }
        })
        .collect();
    let mut gaps: Vec<u64> = packets
        .windows(2)
        .map(|w| w[1].time_ns.saturating_sub(w[0].time_ns))
        .collect();
    gaps.push(0);
    Ok((templates, gaps))
}

/// The spec's frames: `templates`, or the packets of `pcap` (with its gaps when `pcap_gaps`),
/// and the gaps after each (`gaps_ns`; empty for none).
fn frames(t: &Table, max_frame: usize) -> Result<(Vec<Template>, Vec<u64>)> {
    let mut templates = Vec::new();
    let mut gaps_ns = Vec::new();
    let pv = get(t, "pcap")?;
    let tv = get(t, "templates")?;
    let mut pcap_gaps = Vec::new();
    if !pv.is_nil() {
        if !tv.is_nil() {
            return err("spec.pcap", "and spec.templates exclude each other; give one");
        }
        (templates, pcap_gaps) = pcap_templates(&pv, max_frame)?;
    } else {
        for (i, tv) in array(&required(t, "spec", "templates")?, "spec.templates")?
            .iter()
            .enumerate()
        {
            templates.push(template(tv, &format!("spec.templates[{}]", i + 1))?);
        }
        if templates.is_empty() {
            return err("spec.templates", "must hold at least one frame");
        }
    }
    match get(t, "pcap_gaps")? {
        Value::Nil | Value::Boolean(false) => {}
        Value::Boolean(true) if !pv.is_nil() => gaps_ns = pcap_gaps,
        Value::Boolean(true) => {
            return err(
                "spec.pcap_gaps",
                "needs spec.pcap (the capture whose gaps to replay)",
            );
        }
        other => {
            return err(
                "spec.pcap_gaps",
                format_args!("must be a boolean, got {}", describe(&other)),
            );
        }
    }
    let gv = get(t, "gaps_ns")?;
    if !gv.is_nil() {
        if !gaps_ns.is_empty() {
            return err("spec.gaps_ns", "and spec.pcap_gaps exclude each other; give one");
        }
        for (i, g) in array(&gv, "spec.gaps_ns")?.iter().enumerate() {
            gaps_ns.push(int(g, &format!("spec.gaps_ns[{}]", i + 1), 0, i64::MAX)? as u64);
        }
        if gaps_ns.len() != templates.len() {
            return err(
                "spec.gaps_ns",
                format_args!(
                    "has {} entries for {} templates; give one gap per template",
                    gaps_ns.len(),
                    templates.len()
                ),
            );
        }
    }
    Ok((templates, gaps_ns))
}

/// `spec.bursts`: `{count, size, gap_ns}`.
fn bursts(bv: &Value) -> Result<TxMode> {
    let Value::Table(b) = bv else {
        return err(
            "spec.bursts",
            format_args!("must be a table {{count, size, gap_ns}}, got {}", describe(bv)),
        );
    };
    only_keys(b, "spec.bursts", &["count", "size", "gap_ns"])?;
    let opt = |k: &str, min: i64, max: i64| -> Result<i64> {
        let v = get(b, k)?;
        if v.is_nil() {
            Ok(0)
        } else {
            int(&v, &format!("spec.bursts.{k}"), min, max)
        }
    };
    Ok(TxMode::Bursts {
        bursts: opt("count", 0, i64::MAX)? as u64,
        size: int(
            &required(b, "spec.bursts", "size")?,
            "spec.bursts.size",
            1,
            u32::MAX as i64,
        )? as u32,
        gap_ns: opt("gap_ns", 0, i64::MAX)? as u64,
    })
}

/// Converts `engine.start`'s spec table; `max_frame` is the largest frame (without FCS) a
/// packet read from `spec.pcap` may have.
///
/// # Errors
/// A Lua runtime error naming the first bad key.
pub fn from_lua(spec: &Value, max_frame: usize) -> Result<StreamSpec> {
    let t = table(spec, "spec")?;
    only_keys(
        &t,
        "spec",
        &[
            "templates",
            "pcap",
            "pcap_gaps",
            "gaps_ns",
            "fields",
            "size",
            "rate",
            "count",
            "burst",
            "stamp_every",
            "stamp_delay_ns",
            "size_seq",
            "bursts",
            "start_delay_ns",
            "after",
            "ends_with",
            "resume",
            "catch_up",
        ],
    )?;
    let mut s = StreamSpec {
        rate: Rate::Unpaced,
        ..StreamSpec::default()
    };
    (s.templates, s.gaps_ns) = frames(&t, max_frame)?;
    let fv = get(&t, "fields")?;
    if !fv.is_nil() {
        for (i, f) in array(&fv, "spec.fields")?.iter().enumerate() {
            s.fields.push(field(f, &format!("spec.fields[{}]", i + 1))?);
        }
    }
    let sv = get(&t, "size")?;
    if !sv.is_nil() {
        s.size = Some(size(&sv)?);
    }
    let rv = get(&t, "rate")?;
    if !rv.is_nil() {
        s.rate = rate(&rv)?;
    }
    let cv = get(&t, "count")?;
    if !cv.is_nil() {
        s.count = int(&cv, "spec.count", 0, i64::MAX)? as u64;
    }
    let bv = get(&t, "burst")?;
    if !bv.is_nil() {
        s.burst = int(&bv, "spec.burst", 1, 256)? as u16;
    }
    let sv = get(&t, "stamp_every")?;
    if !sv.is_nil() {
        s.stamp_every = Some(int(&sv, "spec.stamp_every", 1, u32::MAX as i64)? as u32);
    }
    let dv = get(&t, "stamp_delay_ns")?;
    if !dv.is_nil() {
        s.stamp_delay_ns = int(&dv, "spec.stamp_delay_ns", 0, i64::MAX)? as u64;
    }
    let qv = get(&t, "size_seq")?;
    if !qv.is_nil() {
        for (i, v) in array(&qv, "spec.size_seq")?.iter().enumerate() {
            s.size_seq
                .push(int(v, &format!("spec.size_seq[{}]", i + 1), 14, max_frame as i64)? as u16);
        }
        if s.size_seq.is_empty() {
            return err("spec.size_seq", "must hold at least one size");
        }
    }
    let bv = get(&t, "bursts")?;
    if !bv.is_nil() {
        s.mode = bursts(&bv)?;
    }
    let v = get(&t, "start_delay_ns")?;
    if !v.is_nil() {
        s.start_delay_ns = int(&v, "spec.start_delay_ns", 0, i64::MAX)? as u64;
    }
    let v = get(&t, "after")?;
    if !v.is_nil() {
        s.after = Some(int(&v, "spec.after", 0, engine::SLOTS as i64 - 1)? as usize);
    }
    match get(&t, "resume")? {
        Value::Nil => {}
        Value::Boolean(b) => s.resume = b,
        other => {
            return err(
                "spec.resume",
                format_args!("must be a boolean, got {}", describe(&other)),
            );
        }
    }
    let v = get(&t, "ends_with")?;
    if !v.is_nil() {
        s.ends_with = Some(int(&v, "spec.ends_with", 0, engine::SLOTS as i64 - 1)? as usize);
    }
    match get(&t, "catch_up")? {
        Value::Nil => {}
        Value::String(c) if c.as_bytes().as_ref() == b"smooth" => s.catch_up = CatchUp::Smooth,
        Value::String(c) if c.as_bytes().as_ref() == b"exact" => s.catch_up = CatchUp::ExactAverage,
        other => {
            return err(
                "spec.catch_up",
                format_args!("must be \"smooth\" or \"exact\", got {}", describe(&other)),
            );
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlua::Lua;

    fn conv(src: &str) -> Result<StreamSpec> {
        let lua = Lua::new();
        let v: Value = lua.load(src).eval()?;
        from_lua(&v, 1514)
    }

    fn msg(src: &str) -> String {
        match conv(src) {
            Ok(s) => panic!("expected an error, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn full_spec() -> Result<()> {
        let s = conv(
            r#"{ templates = { { data = string.rep("\0", 60),
                   checksums = { {kind = "ipv4", l3 = 14}, {kind = "udp", l3 = 14, l4 = 34} },
                   lengths = { {offset = 16, adjust = 14} } } },
                 fields = { {offset = 30, width = 4, start = 5, min = 1, max = 10, step = -1},
                            {offset = 26, width = 4, keep = 0xffffff00, random = 0xff} },
                 size = {min = 60, max = 100}, rate = {pps = 1e3}, count = 10.0, burst = 8 }"#,
        )?;
        assert_eq!(s.templates[0].data.len(), 60);
        assert_eq!(
            s.templates[0].checksums,
            [Checksum::Ipv4Header(14), Checksum::Udp { l3: 14, l4: 34 }]
        );
        assert_eq!(
            s.templates[0].lengths,
            [LengthField {
                offset: 16,
                adjust: 14
            }]
        );
        assert_eq!(
            s.fields[0].op,
            FieldOp::Walk {
                start: 5,
                min: 1,
                max: 10,
                step: -1
            }
        );
        assert_eq!(
            s.fields[1].op,
            FieldOp::Random {
                keep: 0xffffff00,
                set: 0,
                random: 0xff
            }
        );
        assert_eq!(
            s.size,
            Some(SizeWalk {
                start: 60,
                min: 60,
                max: 100,
                step: 1
            })
        );
        assert_eq!(s.rate, Rate::Pps(1e3));
        assert_eq!((s.count, s.burst), (10, 8));
        Ok(())
    }

    #[test]
    fn defaults() -> Result<()> {
        let s = conv(r#"{ templates = { { data = "x" } } }"#)?;
        assert_eq!(s.rate, Rate::Unpaced);
        assert_eq!((s.count, s.burst), (0, 32));
        Ok(())
    }

    #[test]
    fn errors_name_the_key() {
        let t = r#"templates = { { data = "x" } }"#;
        assert_eq!(
            msg(&format!(
                "{{ {t}, fields = {{ {{offset=1, width=4, start=0}}, {{offset=1, width=3, start=0}} }} }}"
            )),
            "runtime error: engine.start: spec.fields[2].width must be 1, 2, 4 or 6, got 3"
        );
        assert!(msg(&format!("{{ {t}, cuont = 1 }}")).contains("spec[string \"cuont\"] is not a known key"));
        assert!(msg("{ templates = {} }").contains("spec.templates must hold at least one frame"));
        assert!(msg("{}").contains("spec.templates is required"));
        assert!(
            msg(r#"{ templates = { { data = 5 } } }"#).contains("spec.templates[1].data must be a string")
        );
        assert!(
            msg(&format!("{{ {t}, rate = {{pps = 1, bps = 2}} }}"))
                .contains("spec.rate must have exactly one")
        );
        assert!(
            msg(&format!("{{ {t}, burst = 0 }}")).contains("spec.burst must be an integer in 1..=256, got 0")
        );
        assert!(msg(&format!("{{ {t}, count = 1.5 }}")).contains("spec.count must be an integer"));
        assert!(
            msg(r#"{ templates = { { data = "x", checksums = { {kind = "sctp", l3 = 1, l4 = 2} } } } }"#)
                .contains("spec.templates[1].checksums[1].kind must be ipv4, udp, tcp, icmp or icmpv6")
        );
        assert!(
            msg(&format!(
                "{{ {t}, fields = {{ {{offset=1, width=1, start=256}} }} }}"
            ))
            .contains("spec.fields[1].start")
        );
        assert!(
            msg(&format!("{{ {t}, fields = {{ {{offset=1, width=1}} }} }}"))
                .contains("needs start/min/max/step")
        );
        assert!(msg("5").contains("spec must be a table, got 5"));
    }

    fn pcap_file(name: &str, sizes: &[usize]) -> String {
        let dir = std::env::temp_dir().join(format!("pktgen-spec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        let packets: Vec<engine::CapturedPacket> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| engine::CapturedPacket {
                time_ns: 1_000_000_000 + i as u64 * 50_000_000,
                data: vec![i as u8 + 1; n],
                orig_len: n as u32,
            })
            .collect();
        engine::write_pcap(&path, &packets).expect("write pcap");
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn pcap_templates_padding_and_gaps() -> Result<()> {
        let f = pcap_file("ok.pcap", &[42, 100, 1515]);
        let s = conv(&format!("{{ pcap = {f:?}, pcap_gaps = true, count = 3 }}"))?;
        let lens: Vec<usize> = s.templates.iter().map(|t| t.data.len()).collect();
        // Padded to the minimum, cut to the largest frame (1514 here), as Pktgen loads them.
        assert_eq!(lens, [60, 100, 1514]);
        assert_eq!(&s.templates[0].data[..42], &[1u8; 42][..]);
        assert!(s.templates[0].data[42..].iter().all(|&b| b == 0));
        assert!(s.templates[2].data.iter().all(|&b| b == 3));
        assert!(
            s.templates
                .iter()
                .all(|t| t.checksums.is_empty() && t.lengths.is_empty())
        );
        assert_eq!(s.gaps_ns, [50_000_000, 50_000_000, 0]);
        let s = conv(&format!("{{ pcap = {f:?} }}"))?;
        assert!(s.gaps_ns.is_empty());
        let s = conv(&format!("{{ pcap = {f:?}, gaps_ns = {{1, 2, 3}} }}"))?;
        assert_eq!(s.gaps_ns, [1, 2, 3]);
        Ok(())
    }

    #[test]
    fn pcap_errors() {
        assert!(
            msg(r#"{ pcap = "/nonexistent.pcap" }"#).contains("spec.pcap: cannot read '/nonexistent.pcap'")
        );
        let ok = pcap_file("two.pcap", &[60, 60]);
        assert!(
            msg(&format!(
                "{{ pcap = {ok:?}, templates = {{ {{ data = \"x\" }} }} }}"
            ))
            .contains("exclude each other")
        );
        assert!(
            msg(&format!("{{ pcap = {ok:?}, gaps_ns = {{1}} }}"))
                .contains("spec.gaps_ns has 1 entries for 2 templates")
        );
        assert!(
            msg(&format!(
                "{{ pcap = {ok:?}, pcap_gaps = true, gaps_ns = {{1, 2}} }}"
            ))
            .contains("exclude each other")
        );
        assert!(msg(r#"{ templates = { { data = "x" } }, pcap_gaps = true }"#).contains("needs spec.pcap"));
        assert!(msg(r#"{ templates = { { data = "x" } }, gaps_ns = { -1 } }"#).contains("spec.gaps_ns[1]"));
    }
}
