//! focusmate's community section: posts, comments (with replies), and the likes and reads of
//! both. The shape of the data is in the parent module's header.

use anyhow::Result;

use super::{Fm, SAMPLE_POST, TABLES};
use crate::seed::kit::{interleave, spread, Ids, Shares, DAY, MINUTE, YEAR};
use crate::seed::words::*;
use crate::seed::Sink;

impl Fm<'_> {
    fn post_ids(&self) -> Ids {
        self.ids("post").pin(self.ctx.samples, 0, SAMPLE_POST)
    }

    fn post_created(&self, p: u64) -> i64 {
        let mut r = self.rng("post", p);
        spread(
            &mut r,
            self.now - YEAR,
            self.now - MINUTE,
            p,
            self.ctx.n("post"),
        )
    }

    /// Comments per post: (post, first comment, count).
    fn comment_shares(&self) -> Shares<impl Fn(u64) -> u64 + '_> {
        Shares::new(
            self.ctx.n("post"),
            self.ctx.n("comment"),
            self.ctx.samples.then_some(0),
            move |p| {
                let mut r = self.rng("post.comments", p);
                if r.chance(0.2) {
                    0
                } else {
                    r.tail(80.0)
                }
            },
        )
    }

    pub(super) fn posts<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.post_ids();
        let mut title = String::new();
        let mut content = String::new();
        for (p, _, comments) in self.comment_shares() {
            let created = self.post_created(p);
            let mut r = self.rng("post.body", p);
            let mut tags: Vec<&str> = Vec::new();
            for _ in 0..r.below(4) {
                let t = r.pick(TASK_TAGS);
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            title.clear();
            sentence(&mut r, &mut title, 10, 80);
            content.clear();
            sentence(&mut r, &mut content, 40, 1500);
            row! { out, "post";
                id: uuid_text(ids.at(p)),
                author_id: uuid_text(self.user(self.busy_user(&mut r))),
                title: text(&title),
                content: text(&content),
                category: opt_text(r.chance(0.9).then(|| r.pick(CATEGORIES))),
                tags: {
                    if r.chance(0.7) {
                        out.text_array(&tags);
                    } else {
                        out.null();
                    }
                },
                view_count: int(r.tail(200.0) as i64 / 100),
                like_count: int(r.tail(50.0) as i64 / 200),
                comment_count: int(comments as i64),
                is_pinned: bool(p.is_multiple_of(500)),
                created_at: time(created),
                updated_at: time(created + r.range(0, (self.now - created).min(DAY))),
            }?;
        }
        Ok(())
    }

    pub(super) fn comments<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("comment");
        let post_ids = self.post_ids();
        let mut content = String::new();
        let mut shares = self.comment_shares();
        interleave(
            32,
            || {
                Ok(shares
                    .next()
                    .map(|(p, first, count)| (first, count, (p, self.post_created(p)))))
            },
            |(p, created), first, k, count| {
                let j = first + k;
                let mut r = self.rng("comment", j);
                let at = spread(&mut r, *created, self.now, k, count);
                content.clear();
                sentence(&mut r, &mut content, 2, 300);
                let parent = (k > 0 && r.chance(0.25)).then(|| first + r.below(k));
                row! { out, "comment";
                    id: uuid_text(ids.at(j)),
                    post_id: uuid_text(post_ids.at(*p)),
                    author_id: uuid_text(self.user(self.busy_user(&mut r))),
                    content: text(&content),
                    parent_comment_id: opt_uuid_text(parent.map(|c| ids.at(c))),
                    like_count: int(r.tail(30.0) as i64 / 1000 - 1),
                    created_at: time(at),
                    updated_at: time(at),
                }
            },
        )
    }

    /// `each` rows per post, by distinct users: `row(out, row index, post, user)`.
    fn per_post_users<S: Sink>(
        &self,
        table: &'static str,
        out: &mut S,
        mut row: impl FnMut(&mut S, u64, u64, u64) -> Result<()>,
    ) -> Result<()> {
        let n_posts = self.ctx.n("post");
        let each = self.ctx.n(table) / n_posts.max(1);
        for p in 0..n_posts {
            let base = self.rng(table, p).below(self.n_users);
            for k in 0..each {
                row(out, p * each + k, p, self.member(base, k))?;
            }
        }
        Ok(())
    }

    pub(super) fn post_likes<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("post_like");
        let post_ids = self.post_ids();
        self.per_post_users("post_like", out, |out, j, p, u| {
            let mut r = self.rng("post_like.row", j);
            let created = self.post_created(p);
            row! { out, "post_like";
                id: uuid_text(ids.at(j)),
                post_id: uuid_text(post_ids.at(p)),
                user_id: uuid_text(self.user(u)),
                created_at: time(created + r.range(0, (self.now - created).min(7 * DAY))),
            }
        })
    }

    pub(super) fn post_reads<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("post_read");
        let post_ids = self.post_ids();
        self.per_post_users("post_read", out, |out, j, p, u| {
            let mut r = self.rng("post_read.row", j);
            let created = self.post_created(p);
            let first = created + r.range(0, (self.now - created).min(3 * DAY));
            row! { out, "post_read";
                id: uuid_text(ids.at(j)),
                post_id: uuid_text(post_ids.at(p)),
                user_id: uuid_text(self.user(u)),
                read_at: time(first + r.range(0, (self.now - first).min(30 * DAY))),
                created_at: time(first),
            }
        })
    }

    pub(super) fn comment_likes<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("comment_like");
        let comment_ids = self.ids("comment");
        let each = self.ctx.n("comment_like") / self.ctx.n("comment").max(1);
        let mut j = 0;
        let mut shares = self.comment_shares();
        interleave(
            32,
            || {
                Ok(shares
                    .next()
                    .map(|(p, first, count)| (first, count, self.post_created(p))))
            },
            |created, first, k, count| {
                let c = first + k;
                let mut r = self.rng("comment", c);
                let at = spread(&mut r, *created, self.now, k, count);
                let base = self.rng("comment_like", c).below(self.n_users);
                for e in 0..each {
                    row! { out, "comment_like";
                        id: uuid_text(ids.at(j)),
                        comment_id: uuid_text(comment_ids.at(c)),
                        user_id: uuid_text(self.user(self.member(base, e))),
                        created_at: time(
                            at + self
                                .rng("comment_like.at", j)
                                .range(0, (self.now - at).min(DAY)),
                        ),
                    }?;
                    j += 1;
                }
                Ok(())
            },
        )
    }
}
