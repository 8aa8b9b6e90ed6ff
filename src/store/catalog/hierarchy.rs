//! The shape of the group hierarchy, worked out once per catalog load in one pass over
//! the groups from the top down: what membership of each group grants (with every
//! group above it), how many levels each group sits below its farthest ancestor, and
//! how far each reaches down. Each group is settled once from its parents, so the cost
//! is linear in groups and parent links whatever the depth.

use crate::policy::Grants;
use std::collections::{HashMap, HashSet, VecDeque};

/// The group hierarchy, settled.
#[derive(Debug, Default)]
pub struct Hierarchy {
    grants: HashMap<i64, Grants>,
    children: HashMap<i64, Vec<i64>>,
    levels: HashMap<i64, usize>,
    heights: HashMap<i64, usize>,
}

impl Hierarchy {
    /// `own` is what each group grants by itself (superuser status from its flag, or
    /// the permissions of its own roles); `parents` its parent links.
    pub fn build(own: &HashMap<i64, Grants>, parents: &HashMap<i64, Vec<i64>>) -> Hierarchy {
        let none = Vec::new();
        let parents_of =
            |g: &i64| (parents.get(g).unwrap_or(&none).iter()).filter(|p| own.contains_key(*p));
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut waiting: HashMap<i64, usize> = HashMap::new();
        for g in own.keys() {
            for p in parents_of(g) {
                children.entry(*p).or_default().push(*g);
                *waiting.entry(*g).or_default() += 1;
            }
        }
        let mut queue: VecDeque<i64> = (own.keys())
            .filter(|g| !waiting.contains_key(*g))
            .copied()
            .collect();
        let mut h = Hierarchy {
            children,
            ..Hierarchy::default()
        };
        let mut order = Vec::with_capacity(own.len());
        let mut settled = HashSet::with_capacity(own.len());
        loop {
            while let Some(g) = queue.pop_front() {
                if !settled.insert(g) {
                    continue;
                }
                let (mut grants, mut level) = (own[&g], 1);
                for p in parents_of(&g) {
                    if let Some(above) = h.grants.get(p) {
                        grants = grants.union(*above);
                        level = level.max(h.levels[p] + 1);
                    }
                }
                h.grants.insert(g, grants);
                h.levels.insert(g, level);
                order.push(g);
                for c in h.children.get(&g).into_iter().flatten() {
                    let left = waiting.entry(*c).or_default();
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        queue.push_back(*c);
                    }
                }
            }
            // Only a cycle (which the API refuses to write) leaves groups unsettled:
            // settle one of them from what is known and go on.
            match own.keys().find(|g| !settled.contains(*g)) {
                Some(g) => queue.push_back(*g),
                None => break,
            }
        }
        for g in order.iter().rev() {
            let below = (h.children.get(g).into_iter().flatten())
                .filter_map(|c| h.heights.get(c))
                .map(|height| height + 1)
                .max()
                .unwrap_or(0);
            h.heights.insert(*g, below);
        }
        h
    }

    /// What membership of group `id` grants (nothing for a group that does not exist).
    pub fn grants(&self, id: i64) -> Grants {
        self.grants.get(&id).copied().unwrap_or_default()
    }

    /// Levels from group `id` up to its farthest ancestor, itself counted: 1 for a
    /// group without parents.
    pub fn level(&self, id: i64) -> usize {
        self.levels.get(&id).copied().unwrap_or(1)
    }

    /// Levels from group `id` down to its farthest descendant: 0 without children.
    pub fn height(&self, id: i64) -> usize {
        self.heights.get(&id).copied().unwrap_or(0)
    }

    /// Groups `ids` and every group below any of them.
    pub fn at_or_below(&self, ids: &[i64]) -> Vec<i64> {
        let mut seen: HashSet<i64> = ids.iter().copied().collect();
        let mut queue: VecDeque<i64> = ids.iter().copied().collect();
        while let Some(g) = queue.pop_front() {
            for c in self.children.get(&g).into_iter().flatten() {
                if seen.insert(*c) {
                    queue.push_back(*c);
                }
            }
        }
        seen.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Permission, PermissionSet};

    fn perms(p: &[Permission]) -> Grants {
        Grants::of(p.iter().copied().collect::<PermissionSet>())
    }

    #[test]
    fn grants_levels_and_heights_come_down_every_path() {
        // 1 (superuser)    2 (view_user)
        //      \          /       \
        //       3 (add_user)       4
        //            \
        //             5
        let own = HashMap::from([
            (1, Grants::superuser()),
            (2, perms(&[Permission::ViewUser])),
            (3, perms(&[Permission::AddUser])),
            (4, Grants::default()),
            (5, Grants::default()),
        ]);
        let parents = HashMap::from([(3, vec![1, 2]), (4, vec![2]), (5, vec![3])]);
        let h = Hierarchy::build(&own, &parents);
        assert!(h.grants(5).is_superuser, "through two levels");
        assert_eq!(h.grants(4), perms(&[Permission::ViewUser]));
        assert_eq!((h.level(1), h.level(3), h.level(5)), (1, 2, 3));
        assert_eq!((h.height(1), h.height(2), h.height(5)), (2, 2, 0));
        let mut below = h.at_or_below(&[2]);
        below.sort();
        assert_eq!(below, [2, 3, 4, 5]);
        assert_eq!(h.grants(99), Grants::default());
    }

    #[test]
    fn a_cycle_written_behind_the_apis_back_still_settles() {
        let own = HashMap::from([(1, perms(&[Permission::ViewUser])), (2, Grants::default())]);
        let parents = HashMap::from([(1, vec![2]), (2, vec![1])]);
        let h = Hierarchy::build(&own, &parents);
        assert_eq!(h.at_or_below(&[1]).len(), 2);
        assert!(h.level(1) >= 1 && h.level(2) >= 1);
    }

    #[test]
    fn a_chain_of_two_thousand_settles_in_one_pass() {
        let own: HashMap<i64, Grants> = (0..2000).map(|g| (g, Grants::default())).collect();
        let parents: HashMap<i64, Vec<i64>> = (1..2000).map(|g| (g, vec![g - 1])).collect();
        let h = Hierarchy::build(&own, &parents);
        assert_eq!(h.level(1999), 2000);
        assert_eq!(h.height(0), 1999);
    }
}
