//! The visitor's pet: declared (a form, `tailor.set('pet', …)`) or inferred from viewed topics.
//! A declaration always wins and is never overwritten by an inference.

use super::Topics;
use crate::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PetSource {
    Declared,
    Inferred,
}

impl PetSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PetSource::Declared => "declared",
            PetSource::Inferred => "inferred",
        }
    }

    pub fn parse(s: &str) -> Option<PetSource> {
        match s {
            "declared" => Some(PetSource::Declared),
            "inferred" => Some(PetSource::Inferred),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pet {
    /// Lower case (`cat`, `dog`).
    pub value: String,
    pub source: PetSource,
    /// 1 when declared; when inferred, the pet's share of all pet-related topic scores.
    pub confidence: f64,
}

/// Longest pet value kept, in characters.
pub const MAX_PET_CHARS: usize = 32;

/// Which topics point to which pet, and how sure inference must be.
#[derive(Debug, Clone, PartialEq)]
pub struct PetRules {
    /// `(topic pattern, pet)`: a pattern is a topic name, or a prefix ending in `*` (`cat-*`
    /// matches `cat-food` and `cat-toys`, not `catalog`).
    pub topics: Vec<(String, String)>,
    /// Pet-related topic scores must add up to at least this much (2.0: two recent page views).
    pub min_score: f64,
    /// The leading pet must hold at least this share of them (0.6).
    pub min_share: f64,
}

/// The default topic patterns and their pets (a static table, not built by code).
const DEFAULT_TOPICS: [(&str, &str); 10] = [
    ("cat", "cat"),
    ("cats", "cat"),
    ("cat-*", "cat"),
    ("kitten", "cat"),
    ("kittens", "cat"),
    ("dog", "dog"),
    ("dogs", "dog"),
    ("dog-*", "dog"),
    ("puppy", "dog"),
    ("puppies", "dog"),
];

impl Default for PetRules {
    fn default() -> Self {
        let mut topics = Vec::with_capacity(DEFAULT_TOPICS.len());
        for &(t, p) in &DEFAULT_TOPICS {
            topics.push((t.to_owned(), p.to_owned()));
        }
        PetRules {
            topics,
            min_score: 2.0,
            min_share: 0.6,
        }
    }
}

fn pattern_matches(pattern: &str, topic: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => topic.starts_with(prefix),
        None => pattern == topic,
    }
}

/// The pet the topics point to, with confidence = its share of pet-related scores; `None` when
/// the evidence is too thin or split. Shares do not depend on decay (all scores share one
/// reference time), so the answer does not change while the visitor is away.
pub fn infer_pet(topics: &Topics, rules: &PetRules) -> Option<Pet> {
    let mut totals: Vec<(&str, f64)> = Vec::new();
    for (topic, score) in &topics.scores {
        if let Some((_, pet)) = rules.topics.iter().find(|(p, _)| pattern_matches(p, topic)) {
            match totals.iter_mut().find(|(p, _)| p == pet) {
                Some((_, s)) => *s += score,
                None => totals.push((pet, *score)),
            }
        }
    }
    // The total, and the highest score (the last of equal ones, as `max_by` picks).
    let mut sum = 0.0;
    let mut top: Option<(&str, f64)> = None;
    for &(pet, score) in &totals {
        sum += score;
        if top.is_none_or(|(_, best)| score.total_cmp(&best).is_ge()) {
            top = Some((pet, score));
        }
    }
    let (pet, best) = top?;
    let share = best / sum;
    if sum < rules.min_score || share < rules.min_share {
        return None;
    }
    Some(Pet {
        value: pet.to_owned(),
        source: PetSource::Inferred,
        confidence: super::topics::round2(share),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(pairs: &[(&str, f64)]) -> Topics {
        Topics {
            at: 0.0,
            scores: pairs.iter().map(|(t, s)| ((*t).into(), *s)).collect(),
        }
    }

    #[test]
    fn cat_topics_infer_a_cat_with_their_share() {
        let r = PetRules::default();
        let pet = infer_pet(
            &topics(&[("cats", 3.0), ("cat-food", 3.0), ("dogs", 2.0)]),
            &r,
        );
        let pet = pet.unwrap();
        assert_eq!(
            (pet.value.as_str(), pet.source),
            ("cat", PetSource::Inferred)
        );
        assert_eq!(pet.confidence, 0.75);
        let dog = infer_pet(&topics(&[("puppies", 4.0), ("catalog", 9.0)]), &r).unwrap();
        assert_eq!((dog.value.as_str(), dog.confidence), ("dog", 1.0));
    }

    #[test]
    fn thin_or_split_evidence_infers_nothing() {
        let r = PetRules::default();
        assert_eq!(infer_pet(&topics(&[("cats", 1.0)]), &r), None);
        assert_eq!(
            infer_pet(&topics(&[("cats", 3.0), ("dogs", 3.0)]), &r),
            None
        );
        assert_eq!(infer_pet(&topics(&[("garden", 30.0)]), &r), None);
        assert_eq!(infer_pet(&Topics::default(), &r), None);
    }

    #[test]
    fn the_mapping_is_configurable() {
        let r = PetRules {
            topics: vec![("aquarium*".into(), "fish".into())],
            min_score: 0.5,
            min_share: 0.5,
        };
        let pet = infer_pet(&topics(&[("aquarium-plants", 1.0), ("cats", 5.0)]), &r).unwrap();
        assert_eq!(pet.value, "fish");
        assert_eq!(PetSource::parse("declared"), Some(PetSource::Declared));
    }
}
