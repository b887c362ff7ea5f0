//! Verified matches → groups, by union-find.
//!
//! Every union links the larger root under the smaller, so each set's root is
//! its smallest member: the group's representative is its earliest unit in
//! input order, whatever the order in which edges arrive. [`groups`] joins
//! exact classes and verified pairs, keeps the groups the scope asks for,
//! and gives each member its exact similarity to the representative.
//!
//! ```
//! use dupscan_core::cluster::UnionFind;
//! let mut uf = UnionFind::new(4);
//! uf.union(3, 1);
//! uf.union(2, 3);
//! assert_eq!(uf.find(2), 1);
//! assert_eq!(uf.groups(), vec![vec![1, 2, 3]]);
//! ```

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::{Grouping, Scope};
use crate::links::Link;
use crate::segment::Span;
use crate::shingle::jaccard;
use crate::units::{ExactClasses, Units};
use crate::verify::Match;

/// Disjoint sets over `0..n` whose roots are their smallest members.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
        }
    }

    /// The root (smallest member) of `x`'s set, halving paths on the way.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Merges the sets of `a` and `b`; the smaller root becomes the root.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    /// Every set of two or more members, members ascending, sets ordered by
    /// their smallest member.
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        let mut slot: Vec<u32> = vec![u32::MAX; n];
        let mut sizes: Vec<u32> = vec![0; n];
        for x in 0..n as u32 {
            let r = self.find(x);
            sizes[r as usize] += 1;
        }
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for x in 0..n as u32 {
            let r = self.find(x) as usize;
            if sizes[r] < 2 {
                continue;
            }
            if slot[r] == u32::MAX {
                slot[r] = groups.len() as u32;
                groups.push(Vec::with_capacity(sizes[r] as usize));
            }
            groups[slot[r] as usize].push(x);
        }
        groups
    }
}

/// A member of a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// Global unit id.
    pub unit: u32,
    /// Its exact class: the smallest id whose normalized text is the same
    /// (`unit` itself when it has no earlier exact copy).
    pub class: u32,
    /// Similarity to the group's representative (1 for itself and exact
    /// copies): the exact Jaccard similarity of the two units, or, for a
    /// member joined by span alignment, of the two aligned spans.
    pub similarity: f64,
    /// How the member is tied to the representative.
    pub via: Via,
    /// The part of the unit that matched, in byte offsets of its document,
    /// when it is not the whole unit (a member joined by span alignment, and
    /// a representative whose members matched only part of it).
    pub range: Option<Span>,
}

/// How a member is tied to its group's representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// It is the representative.
    Representative,
    /// The same normalized text.
    Exact,
    /// Whole units similar enough (a verified pair, or with components the
    /// exact similarity computed for the report).
    Unit,
    /// A verified span pair covering enough of one of the two units.
    Span,
    /// In a contamination check: the reference item holding the
    /// representative is contained in the member's document, and the member
    /// holds part of the matched region ([`crate::contain`]).
    Contained,
}

/// A group of near-duplicate units.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The representative first, then the other members by ascending
    /// global id. With components the representative is the smallest id;
    /// with stars, the centre of the star.
    pub members: Vec<Member>,
    /// Number of distinct documents among the members.
    pub documents: u32,
    /// The smallest similarity seen in the group: over members' similarity to
    /// the representative and over the verified pairs that joined it.
    pub min_similarity: f64,
}

/// What clustering needs from the earlier stages.
#[derive(Debug, Clone, Copy)]
pub struct Clustering<'a> {
    /// Stars or connected components (against a reference, always
    /// components: see [`groups`]).
    pub grouping: Grouping,
    /// The similarity a member must have to its representative to join a
    /// star through a representative it has no verified pair with.
    pub threshold: f64,
    /// Every unit.
    pub units: &'a Units,
    /// Exact classes.
    pub classes: &'a ExactClasses,
    /// Verified pairs between classes, sorted.
    pub matches: &'a [Match],
    /// Unit links from span alignment, sorted by `(a, b)` (empty when the
    /// span path is off).
    pub links: &'a [Link],
    /// Which groups to keep (ignored against a reference).
    pub scope: Scope,
    /// Reference documents come first; 0 for a plain scan. With a reference,
    /// only groups joining a reference unit with a corpus unit are kept.
    pub reference_docs: u32,
}

/// Groups of near-duplicate units, filtered by scope (or, against a
/// reference, to groups joining both sides), each member with its exact
/// similarity to the representative, groups ordered by representative.
///
/// With [`Grouping::Stars`] every member is a verified near-duplicate of
/// its group's representative, and each unit is in one group at most. Exact
/// classes are taken most connected first (the number of classes verified
/// against them; ties: smallest id); a class not yet in a group first tries
/// to join the groups of its already grouped neighbours (the one whose
/// representative it is most similar to, at least `threshold`, computed
/// exactly when no verified pair joins them); failing that it leads a new
/// group and takes in every neighbour not yet grouped. The leader is the
/// representative: an original copied twice with different edits leads its
/// two copies even when they are not near-duplicates of each other, and a
/// template repeated with one word changed each time no longer chains into
/// one group of unrelated lines.
///
/// With [`Grouping::Components`], and always against a reference (so that
/// every reference item matched by a corpus unit is seen, even when a
/// corpus unit matches two items that differ), groups are the connected
/// components of exact classes and verified pairs.
///
/// `set_of(id, scratch, out)` fills `out` with unit `id`'s sorted shingle
/// set (`scratch` is a normalization buffer); it is called only for
/// similarities no verified pair gives.
pub fn groups(
    c: &Clustering,
    set_of: &(dyn Fn(u32, &mut String, &mut Vec<u64>) + Sync),
) -> Vec<Group> {
    let (units, classes, matches) = (c.units, c.classes, c.matches);
    // Span links between classes that no verified unit pair joins: `(class
    // a, class b, link)`, one per class pair (the best score).
    let mut span_edges: Vec<(u32, u32, usize)> = c
        .links
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let (x, y) = (classes.of(l.a), classes.of(l.b));
            let key = (x.min(y), x.max(y));
            let joined = x == y || matches.binary_search_by_key(&key, |m| (m.a, m.b)).is_ok();
            (!joined).then_some((key.0, key.1, i))
        })
        .collect();
    span_edges.sort_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then(c.links[y.2].score.total_cmp(&c.links[x.2].score))
            .then(x.2.cmp(&y.2))
    });
    span_edges.dedup_by_key(|e| (e.0, e.1));
    let mut edges: Vec<Match> = matches.to_vec();
    edges.extend(span_edges.iter().map(|&(a, b, i)| Match {
        a,
        b,
        similarity: c.links[i].score,
    }));
    edges.sort_by_key(|m| (m.a, m.b));
    let span_link = |x: u32, y: u32| {
        let key = (x.min(y), x.max(y));
        span_edges
            .binary_search_by_key(&key, |e| (e.0, e.1))
            .ok()
            .map(|i| &c.links[span_edges[i].2])
    };

    let mut edge_min: HashMap<u32, f64> = HashMap::new();
    let mut member_sets = if c.grouping == Grouping::Stars && c.reference_docs == 0 {
        stars(c, &edges, &span_edges, set_of)
    } else {
        let mut uf = UnionFind::new(units.len());
        for &(unit, class) in classes.repeats() {
            uf.union(class, unit);
        }
        for m in &edges {
            uf.union(m.a, m.b);
        }
        // The smallest similarity of the pairs that joined each component,
        // by its root (its smallest member).
        for m in &edges {
            let root = uf.find(m.a);
            let e = edge_min.entry(root).or_insert(f64::INFINITY);
            *e = e.min(m.similarity);
        }
        uf.groups()
    };
    if c.reference_docs > 0 {
        let is_ref = |m: &u32| units.doc(*m) < c.reference_docs;
        member_sets.retain(|g| g.iter().any(is_ref) && !g.iter().all(is_ref));
    } else if c.scope == Scope::CrossDoc {
        member_sets.retain(|g| distinct_docs(g, units) >= 2);
    }
    let range_on = |l: &Link, unit: u32| l.range_on(unit, units, classes);
    member_sets
        .into_par_iter()
        .map_init(
            || (String::new(), Vec::new(), Vec::new()),
            |(norm, rep_set, other), members| {
                let rep = members[0];
                let rep_class = classes.of(rep);
                // The representative's set, made when a tie needs it.
                let mut have_rep_set = false;
                // Similarity to the representative, once per class: from a
                // verified pair or a span link when there is one, else
                // computed.
                let mut cache: HashMap<u32, (f64, Via, Option<&Link>)> = HashMap::new();
                let mut tie_of = |class: u32| {
                    if class == rep_class {
                        return (1.0, Via::Exact, None);
                    }
                    *cache.entry(class).or_insert_with(|| {
                        let pair = (rep_class.min(class), rep_class.max(class));
                        if let Ok(i) = matches.binary_search_by_key(&pair, |m| (m.a, m.b)) {
                            return (matches[i].similarity, Via::Unit, None);
                        }
                        if let Some(l) = span_link(rep_class, class) {
                            return (l.score, Via::Span, Some(l));
                        }
                        if !have_rep_set {
                            set_of(rep_class, norm, rep_set);
                            have_rep_set = true;
                        }
                        set_of(class, norm, other);
                        (jaccard(rep_set, other), Via::Unit, None)
                    })
                };
                let mut rep_range: Option<Span> = None;
                let mut members: Vec<Member> = members
                    .iter()
                    .map(|&unit| {
                        let class = classes.of(unit);
                        let (similarity, via, link) = tie_of(class);
                        if let Some(r) = link.and_then(|l| range_on(l, rep)) {
                            rep_range = Some(rep_range.map_or(r, |x| Span {
                                start: x.start.min(r.start),
                                end: x.end.max(r.end),
                            }));
                        }
                        Member {
                            unit,
                            class,
                            similarity,
                            via: if unit == rep {
                                Via::Representative
                            } else {
                                via
                            },
                            range: link.and_then(|l| range_on(l, unit)),
                        }
                    })
                    .collect();
                members[0].range = rep_range;
                let member_min = members
                    .iter()
                    .map(|m| m.similarity)
                    .fold(f64::INFINITY, f64::min);
                let edge = edge_min.get(&rep).copied().unwrap_or(f64::INFINITY);
                let ids: Vec<u32> = members.iter().map(|m| m.unit).collect();
                Group {
                    documents: distinct_docs(&ids, units),
                    min_similarity: member_min.min(edge),
                    members,
                }
            },
        )
        .collect()
}

/// Star groups over exact classes (see [`groups`]): member unit ids of
/// each group, the leader first, then the others ascending, groups ordered
/// by their leader.
///
/// `edges` are the verified pairs and the span links of `span_edges`
/// (`(class a, class b, link)`, none of them a verified pair), sorted by
/// `(a, b)`.
///
/// Only *active* classes can be in a group: the ends of an edge and the
/// classes with repeats (0.25M of 4.7M units on debian-docs' sentences).
/// Every array here is indexed by a class's *slot*, its position in the
/// ascending list of active classes, not by unit id: slots keep the order
/// of ids, so every order and tie below is the order of ids, and the
/// arrays take 4 B per active class instead of per unit.
fn stars(
    c: &Clustering,
    edges: &[Match],
    span_edges: &[(u32, u32, usize)],
    set_of: &(dyn Fn(u32, &mut String, &mut Vec<u64>) + Sync),
) -> Vec<Vec<u32>> {
    let (units, classes) = (c.units, c.classes);
    let mut active: Vec<u32> = classes.repeats().iter().map(|&(_, class)| class).collect();
    active.extend(edges.iter().flat_map(|m| [m.a, m.b]));
    active.sort_unstable();
    active.dedup();
    active.shrink_to_fit();
    let slot = |class: u32| {
        let i = active.partition_point(|&x| x < class);
        debug_assert_eq!(active.get(i), Some(&class), "an active class");
        i
    };
    let n = active.len();

    // Adjacency of slots by edges, each list ascending (edges are sorted by
    // (a, b), so a node's smaller neighbours arrive first, in order, then
    // its larger ones). A neighbour is its slot alone (4 B); the similarity
    // of a pair is looked up in `edges` when a tie needs it.
    let ends: Vec<[u32; 2]> = edges
        .iter()
        .map(|m| [slot(m.a) as u32, slot(m.b) as u32])
        .collect();
    let mut start = vec![0u32; n + 1];
    for &[a, b] in &ends {
        start[a as usize + 1] += 1;
        start[b as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adjacent = vec![0u32; 2 * edges.len()];
    for &[a, b] in &ends {
        for (from, to) in [(a, b), (b, a)] {
            adjacent[fill[from as usize] as usize] = to;
            fill[from as usize] += 1;
        }
    }
    drop(fill);
    drop(ends);
    let neighbours = |x: u32| &adjacent[start[x as usize] as usize..start[x as usize + 1] as usize];
    let degree = |x: u32| start[x as usize + 1] - start[x as usize];
    // The similarity of a verified pair (or span link) between two slots.
    let pair = |x: u32, y: u32| {
        let (p, q) = (active[x as usize], active[y as usize]);
        edges
            .binary_search_by_key(&(p.min(q), p.max(q)), |m| (m.a, m.b))
            .ok()
            .map(|i| edges[i].similarity)
    };

    // How many of a class's ties contain it whole: both ends of a verified
    // unit pair; the side of a span link that the link covers (mostly). The
    // unit copies were made from is contained in all its ties, a unit that
    // merely holds a copy is not. Its degree counts every edge, so the span
    // links are taken off and their covered sides added back.
    let mut inside: Vec<u32> = (0..n as u32).map(degree).collect();
    for &(x, y, i) in span_edges {
        inside[slot(x)] -= 1;
        inside[slot(y)] -= 1;
        let l = &c.links[i];
        for (unit, range) in [(l.a, l.a_range), (l.b, l.b_range)] {
            let s = units.span(unit);
            if 5 * u64::from(range.end - range.start) >= 4 * u64::from(s.end - s.start) {
                inside[slot(classes.of(unit))] += 1;
            }
        }
    }
    // Taken most connected first (ties: smallest id), so the centre of a
    // star is the unit most others were verified against.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&x| (std::cmp::Reverse((inside[x as usize], degree(x))), x));
    drop(inside);

    const NONE: u32 = u32::MAX;
    // The slot of each slot's leader.
    let mut leader = vec![NONE; n];
    let (mut norm, mut set, mut other) = (String::new(), Vec::new(), Vec::new());
    let mut reps: Vec<u32> = Vec::new();
    for x in order {
        if leader[x as usize] != NONE {
            continue;
        }
        // Join the group of a grouped neighbour's representative, the most
        // similar one at least `threshold` (ties: the earlier).
        reps.clear();
        reps.extend(
            neighbours(x)
                .iter()
                .map(|&y| leader[y as usize])
                .filter(|&l| l != NONE),
        );
        reps.sort_unstable();
        reps.dedup();
        let mut best: Option<(f64, u32)> = None;
        let mut have_set = false;
        for &rep in &reps {
            let s = pair(x, rep).unwrap_or_else(|| {
                if !have_set {
                    set_of(active[x as usize], &mut norm, &mut set);
                    have_set = true;
                }
                set_of(active[rep as usize], &mut norm, &mut other);
                jaccard(&set, &other)
            });
            if s >= c.threshold && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, rep));
            }
        }
        if let Some((_, rep)) = best {
            leader[x as usize] = rep;
            continue;
        }
        leader[x as usize] = x;
        for &y in neighbours(x) {
            if leader[y as usize] == NONE {
                leader[y as usize] = x;
            }
        }
    }
    drop(adjacent);

    // Members per leader: counted first, so that each group is allocated
    // once at its size; a leader's slot then holds its group's index.
    let mut size = start;
    size.fill(0);
    let repeat_leader = |class: u32| leader[slot(class)] as usize;
    for &l in &leader {
        size[l as usize] += 1;
    }
    for &(_, class) in classes.repeats() {
        size[repeat_leader(class)] += 1;
    }
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for (l, s) in size.iter_mut().enumerate() {
        *s = if *s >= 2 {
            let mut g = Vec::with_capacity(*s as usize);
            g.push(active[l]);
            groups.push(g);
            groups.len() as u32 - 1
        } else {
            NONE
        };
    }
    for (x, &l) in leader.iter().enumerate() {
        if x != l as usize {
            if let Some(g) = groups.get_mut(size[l as usize] as usize) {
                g.push(active[x]);
            }
        }
    }
    for &(unit, class) in classes.repeats() {
        if let Some(g) = groups.get_mut(size[repeat_leader(class)] as usize) {
            g.push(unit);
        }
    }
    // The leader first, then the other members ascending; groups are in
    // the order of their leaders' slots, so of their leaders' ids.
    for g in &mut groups {
        g[1..].sort_unstable();
    }
    groups
}

/// Number of distinct documents holding `members`.
pub fn distinct_docs(members: &[u32], units: &Units) -> u32 {
    let mut docs: Vec<u32> = members.iter().map(|&m| units.doc(m)).collect();
    docs.sort_unstable();
    docs.dedup();
    docs.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_smallest_whatever_the_edge_order() {
        let edges = [(5, 9), (9, 2), (7, 8), (2, 7)];
        let mut forward = UnionFind::new(10);
        let mut backward = UnionFind::new(10);
        for &(a, b) in &edges {
            forward.union(a, b);
        }
        for &(a, b) in edges.iter().rev() {
            backward.union(b, a);
        }
        assert_eq!(forward.groups(), vec![vec![2, 5, 7, 8, 9]]);
        assert_eq!(forward.groups(), backward.groups());
        assert_eq!(forward.find(8), 2);
    }

    #[test]
    fn singletons_are_not_groups() {
        let mut uf = UnionFind::new(5);
        uf.union(3, 4);
        uf.union(0, 1);
        assert_eq!(uf.groups(), vec![vec![0, 1], vec![3, 4]]);
    }

    /// Groups of `texts` (one unit each) under `grouping`, from verified
    /// pairs given as `(a, b, similarity)`.
    fn grouped(texts: &[&str], pairs: &[(u32, u32, f64)], grouping: Grouping) -> Vec<Vec<u32>> {
        use crate::segment::Span;
        let units = Units::from_docs(
            texts
                .iter()
                .map(|t| {
                    vec![Span {
                        start: 0,
                        end: t.len() as u32,
                    }]
                })
                .collect(),
        );
        let matches: Vec<Match> = pairs
            .iter()
            .map(|&(a, b, similarity)| Match { a, b, similarity })
            .collect();
        let classes = ExactClasses::default();
        clustered(grouping, &units, &classes, &matches, |id| {
            texts[id as usize]
        })
        .into_iter()
        .map(|g| g.members.iter().map(|m| m.unit).collect())
        .collect()
    }

    /// The distinct bytes of `text`, sorted: the sets the tests' texts are
    /// compared by.
    fn byte_set(text: &str) -> Vec<u64> {
        let mut set: Vec<u64> = text.bytes().map(u64::from).collect();
        set.sort_unstable();
        set.dedup();
        set
    }

    /// [`groups`] at threshold 0.7 over the whole corpus, without links,
    /// unit `u`'s set being the byte set of `text(u)`.
    fn clustered<'t>(
        grouping: Grouping,
        units: &Units,
        classes: &ExactClasses,
        matches: &[Match],
        text: impl Fn(u32) -> &'t str + Sync,
    ) -> Vec<Group> {
        let set_of = |unit: u32, _: &mut String, out: &mut Vec<u64>| *out = byte_set(text(unit));
        groups(
            &Clustering {
                grouping,
                threshold: 0.7,
                units,
                classes,
                matches,
                links: &[],
                scope: Scope::All,
                reference_docs: 0,
            },
            &set_of,
        )
    }

    #[test]
    fn stars_never_chain_and_centre_on_the_most_connected_unit() {
        // A chain 0~1~2~3~4 (a template with one word changed each time):
        // components make one group; stars make groups whose members are all
        // verified against their centre.
        let texts = ["a", "b", "c", "d", "e"];
        let chain = [(0, 1, 0.8), (1, 2, 0.8), (2, 3, 0.8), (3, 4, 0.8)];
        assert_eq!(
            grouped(&texts, &chain, Grouping::Components),
            vec![vec![0, 1, 2, 3, 4]]
        );
        let stars = grouped(&texts, &chain, Grouping::Stars);
        assert_eq!(stars, vec![vec![1, 0, 2], vec![3, 4]]);
        for g in &stars {
            for &m in &g[1..] {
                let (a, b) = (g[0].min(m), g[0].max(m));
                assert!(chain.iter().any(|&(x, y, _)| (x, y) == (a, b)), "{g:?}");
            }
        }
        // An original (2) copied twice with different edits: the copies are
        // not a verified pair, yet both join the original's group, led by it
        // although a copy comes first.
        let copies = [(0, 2, 0.8), (2, 4, 0.75)];
        assert_eq!(
            grouped(&texts, &copies, Grouping::Stars),
            vec![vec![2, 0, 4]]
        );
    }

    /// Star groups of `texts`, unit `i` given id `id(i)` among `n` units
    /// (the others, padding, have no copy and no pair): exact classes from
    /// equal texts, verified pairs between classes of a byte-set Jaccard
    /// similarity of at least 0.5.
    fn sparse_stars(texts: &[String], n: u32, id: impl Fn(u32) -> u32) -> Vec<Group> {
        use crate::segment::Span;
        let mut text_of: Vec<Option<&str>> = vec![None; n as usize];
        for (i, t) in texts.iter().enumerate() {
            text_of[id(i as u32) as usize] = Some(t);
        }
        let units = Units::from_docs((0..n).map(|_| vec![Span { start: 0, end: 8 }]).collect());
        let set = |i: usize| byte_set(&texts[i]);
        let class = |i: usize| (0..i).find(|&j| texts[j] == texts[i]).unwrap_or(i);
        let repeats: Vec<(u32, u32)> = (0..texts.len())
            .filter(|&i| class(i) != i)
            .map(|i| (id(i as u32), id(class(i) as u32)))
            .collect();
        let mut matches = Vec::new();
        for b in (0..texts.len()).filter(|&i| class(i) == i) {
            for a in (0..b).filter(|&i| class(i) == i) {
                let similarity = jaccard(&set(a), &set(b));
                if similarity >= 0.5 {
                    let (a, b) = (id(a as u32), id(b as u32));
                    matches.push(Match { a, b, similarity });
                }
            }
        }
        matches.sort_by_key(|m| (m.a, m.b));
        let classes = ExactClasses::new(repeats);
        clustered(Grouping::Stars, &units, &classes, &matches, |unit| {
            text_of[unit as usize].unwrap_or_default()
        })
    }

    #[test]
    fn stars_over_sparse_ids_match_stars_over_dense_ones() {
        // Three originals, each copied with up to three of its eight bytes
        // replaced: exact copies, near copies verified against each other,
        // and copies of a copy that are not near the original.
        let mut state = 42u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let originals = ["abcdefgh", "ijklmnop", "qrstuvwx"];
        let texts: Vec<String> = (0..60)
            .map(|_| {
                let mut t = originals[next(3) as usize].as_bytes().to_vec();
                for _ in 0..next(4) {
                    t[next(8) as usize] = b"yz0123456789"[next(12) as usize];
                }
                String::from_utf8(t).unwrap_or_default()
            })
            .collect();
        let dense = sparse_stars(&texts, texts.len() as u32, |i| i);
        assert!(dense.len() >= 3, "{dense:?}");
        assert!(dense.iter().any(|g| g.members.len() >= 5), "{dense:?}");
        // The same units among 40 times as many, spread out.
        let spread = |i: u32| 40 * i + 17 + i % 3;
        let mut sparse = sparse_stars(&texts, 40 * texts.len() as u32 + 20, spread);
        for g in &mut sparse {
            for m in &mut g.members {
                m.unit = (m.unit - 17) / 40;
                m.class = (m.class - 17) / 40;
            }
        }
        assert_eq!(sparse, dense);
    }
}
