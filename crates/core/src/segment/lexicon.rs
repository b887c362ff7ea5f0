//! The word lists behind the rules: abbreviations, sentence starters,
//! function words and the small words of Title Case.

/// Longest sentence starter ("Meanwhile", "According"), bounding look-aheads.
pub(super) const MAX_STARTER: usize = 9;

/// Words after which a wrapped line cannot have ended its sentence.
pub(super) const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "and", "or", "nor", "but", "in", "on", "at", "by", "for", "with",
    "from", "as", "that", "than", "about", "into", "onto", "over", "under", "between", "after",
    "before", "via", "per", "is", "are", "was", "were", "be", "been", "has", "have", "had", "will",
    "would", "said", "says", "told", "its", "their", "his", "her",
];

/// Words that stay lowercase in Title Case.
pub(super) const TITLE_SMALL_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "by", "for", "from",
    "with", "into", "over", "as", "vs", "via", "per", "up", "off", "out",
];

/// Abbreviations that precede a name or number and never end a sentence.
pub(super) const ALWAYS_ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Mx", "Messrs", "Mme", "Mlle", "Dr", "Prof", "Rev", "Hon", "Fr", "Msgr",
    "St", "Mt", "Ft", "Gen", "Gov", "Sen", "Sens", "Rep", "Reps", "Lt", "Col", "Sgt", "Capt",
    "Cpl", "Maj", "Adm", "Cmdr", "Cdr", "Brig", "Pvt", "Supt", "Insp", "Det", "Pres", "Amb",
    "Atty", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "No", "Nos", "Vol", "Vols", "Fig", "Figs", "Ch", "Chap", "Sec", "Para", "Nr", "Tel", "Rs",
    "vs", "approx", "cf", "viz", "incl", "esp", "pp", "ca", "fig", "vol", "MR", "MRS", "MS", "DR",
    "PROF", "ST", "GEN", "GOV", "SEN", "REP", "LT", "COL", "SGT", "CAPT", "JAN", "FEB", "APR",
    "JUN", "JUL", "AUG", "SEPT", "OCT", "NOV",
];

/// Abbreviations that often end a sentence too ("... Apple Inc. The company").
pub(super) const AMBIGUOUS_ABBREVIATIONS: &[&str] = &[
    "Inc", "Ltd", "Co", "Cos", "Corp", "Plc", "Pty", "Bros", "Jr", "Sr", "Esq", "etc", "al",
    "Dept", "Univ", "Assn", "Ave", "Blvd", "Rd", "Hwy", "Calif", "Mass", "Conn", "Fla", "Ill",
    "Ind", "Mich", "Minn", "Penn", "Tenn", "Tex", "Wash", "Wis", "Ariz", "Colo", "Okla", "Ore",
    "Ga", "Va", "Pa", "Md", "Mo", "Ky", "La", "Ala", "Del", "Kan", "Neb", "Nev", "Mont", "Wyo",
    "INC", "LTD", "CO", "CORP", "PLC", "JR", "SR", "ETC",
];

/// Dotted abbreviations that never end a sentence.
pub(super) const DOTTED_ALWAYS: &[&str] = &["e.g", "i.e", "E.g", "I.e", "a.k.a"];

/// Common sentence-opening words; see [`is_sentence_starter`].
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "In",
    "On",
    "At",
    "But",
    "So",
    "Yet",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Their",
    "Its",
    "His",
    "Her",
    "Our",
    "My",
    "However",
    "Meanwhile",
    "Also",
    "After",
    "Before",
    "When",
    "While",
    "If",
    "As",
    "Although",
    "Since",
    "Because",
    "Despite",
    "During",
    "Earlier",
    "Last",
    "Now",
    "Then",
];

/// Capitalised words that commonly open a sentence and rarely follow an
/// acronym or a company suffix inside one. Deliberately short: a miss keeps
/// two sentences together, which costs less than cutting a name in two.
/// "And" and "Or" are left out: Reuters capitalises the word after "U.S."
/// ("the U.S. And Japan"), and news sentences seldom open with them.
pub(super) fn is_sentence_starter(word: &str) -> bool {
    SENTENCE_STARTERS.contains(&word)
}
