//! How fast a ~1,000-character filter pattern is parsed and evaluated on the CloudTrail
//! records of the default set (30 names x 4 caller types): the check does this for up
//! to 100 filters per log group.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vpcwatch::coverage::{self, ReadRecords};
use vpcwatch::events::EventSet;
use vpcwatch::pattern;
use vpcwatch::records::{RecordContext, RecordSet};

/// `{$.eventName=CreateVpc||...}`: the 30 names in the one form that fits in a filter
/// (990 characters).
fn compact_pattern(set: &EventSet) -> String {
    let conditions: Vec<String> = set.names().map(|n| format!("$.eventName={n}")).collect();
    format!("{{{}}}", conditions.join("||"))
}

fn benches(c: &mut Criterion) {
    let set = EventSet::default_set();
    let text = compact_pattern(&set);
    let built = RecordSet::build(&set, &RecordContext::example());
    let records = ReadRecords::new(&built);
    let parsed = pattern::analyze(&text).pattern.expect("the compact pattern parses");

    c.bench_function("parse 990-char pattern", |b| b.iter(|| pattern::analyze(black_box(&text))));

    c.bench_function("cover 30 names x 4 callers, records read", |b| {
        b.iter(|| black_box(coverage::cover_records(&parsed, black_box(&records))))
    });

    c.bench_function("parse + cover 30 names x 4 callers", |b| {
        b.iter(|| {
            let parsed = pattern::analyze(black_box(&text)).pattern.expect("parses");
            black_box(coverage::cover_records(&parsed, &records))
        })
    });

    c.bench_function("build and read 120 records", |b| {
        b.iter(|| {
            let built = RecordSet::build(black_box(&set), &RecordContext::example());
            black_box(ReadRecords::new(&built).len())
        })
    });
}

criterion_group!(pattern_benches, benches);
criterion_main!(pattern_benches);
