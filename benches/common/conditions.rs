//! The condition texts both native benches decide with (included with `#[path]`): 1,000
//! conditions in the shapes real rules take, each a few clauses picked from a pool, with
//! operands varied so that no two are the same.

pub const PETS: [&str; 4] = ["cat", "dog", "rabbit", "bird"];

/// The members (no braces) of condition `i`: `take` clauses from the shared pool followed by
/// `extra` (clause shapes only one bench needs).
pub fn condition_members(i: usize, take: usize, extra: &[String]) -> String {
    let countries = ["JP", "US", "DE", "AU", "BR"];
    let stages = [
        "awareness",
        "interest",
        "consideration",
        "purchase",
        "loyalty",
    ];
    let seasons = ["winter", "spring", "summer", "autumn"];
    let pet = PETS[i % PETS.len()];
    let country = countries[i % countries.len()];
    let stage = stages[i % stages.len()];
    let season = seasons[(i / 3) % seasons.len()];
    let mut clauses = vec![
        format!(r#""pet":"{pet}""#),
        format!(r#""geo.country":{{"$in":["{country}","KR"]}}"#),
        format!(r#""visits":{{"$gte":{}}}"#, i % 12),
        format!(r#""stage":{{"$ne":"{stage}"}}"#),
        format!(r#""topics.{pet}-toys":{{"$gt":{}}}"#, (i % 5) as f64 / 2.0),
        format!(r#""season":"{season}""#),
        format!(r#""hour":{{"$gte":{},"$lt":{}}}"#, i % 12, 12 + i % 12),
        format!(r#""url":{{"$regex":"/{pet}s/"}}"#),
        r#""device":{"$in":["mobile","tablet"]}"#.to_owned(),
        format!(r#""$or":[{{"pet":"{pet}"}},{{"topics.grooming":{{"$exists":true}}}}]"#),
    ];
    clauses.extend(extra.iter().cloned());
    let picked: Vec<&str> = (0..take)
        .map(|k| clauses[(i * 7 + k * 5) % clauses.len()].as_str())
        .collect();
    picked.join(",")
}
