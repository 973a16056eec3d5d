//! focusmate's ranking section: the leaderboard, teams with their members and invitations,
//! team sessions, mini-games and verification requests. The shape of the data is in the
//! parent module's header.

use anyhow::Result;

use super::{Fm, TABLES};
use crate::seed::kit::{spread, tag, Perm, DAY, HOUR, MINUTE, YEAR};
use crate::seed::Sink;

impl Fm<'_> {
    pub(super) fn leaderboard<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("ranking_leaderboard");
        let ranks = Perm::new(self.n_users, self.ctx.key ^ tag("focusmate.ranks"));
        for i in 0..self.n_users {
            let mut r = self.rng("ranking_leaderboard", i);
            let rank = ranks.at(i) + 1;
            let total = 5_000_000 / (rank + 9) as i64;
            let monthly = total * r.range(5, 40) / 100;
            row! { out, "ranking_leaderboard";
                id: uuid_text(ids.at(i)),
                user_id: uuid_text(self.user(i)),
                total_score: int(total),
                rank: int(rank as i64),
                weekly_score: int(monthly * r.range(10, 40) / 100),
                monthly_score: int(monthly),
                updated_at: time(self.now - r.range(0, DAY)),
            }?;
        }
        Ok(())
    }

    pub(super) fn team_base(&self, t: u64) -> u64 {
        self.rng("ranking_teams.members", t).below(self.n_users)
    }

    pub(super) fn team_created(&self, t: u64) -> i64 {
        self.now - self.rng("ranking_teams", t).range(DAY, YEAR)
    }

    pub(super) fn teams<S: Sink>(&self, out: &mut S) -> Result<()> {
        const ADJ: &[&str] = &[
            "Focused", "Sleepy", "Brave", "Quiet", "Midnight", "Early", "Steady", "Lucky",
        ];
        const NOUN: &[&str] = &[
            "Owls", "Tigers", "Pandas", "Foxes", "Otters", "Koalas", "Whales", "Penguins",
        ];
        let ids = self.ids("ranking_teams");
        for t in 0..self.ctx.n("ranking_teams") {
            let mut r = self.rng("ranking_teams.name", t);
            row! { out, "ranking_teams";
                id: uuid_text(ids.at(t)),
                team_name: text(&format!(
                    "{} {} {}{}",
                    r.pick(ADJ),
                    r.pick(NOUN),
                    t + 1,
                    self.ctx.suffix
                )),
                description: opt_text(r.chance(0.6).then_some("We study together every evening.")),
                leader_id: uuid_text(self.user(self.member(self.team_base(t), 0))),
                total_score: int(r.tail(100.0) as i64),
                member_count: int(self.team_size() as i64),
                created_at: time(self.team_created(t)),
            }?;
        }
        Ok(())
    }

    pub(super) fn team_members<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("ranking_team_members");
        let team_ids = self.ids("ranking_teams");
        for t in 0..self.ctx.n("ranking_teams") {
            let base = self.team_base(t);
            let created = self.team_created(t);
            for k in 0..self.team_size() {
                let j = t * self.team_size() + k;
                row! { out, "ranking_team_members";
                    id: uuid_text(ids.at(j)),
                    team_id: uuid_text(team_ids.at(t)),
                    user_id: uuid_text(self.user(self.member(base, k))),
                    role: text(if k == 0 { "leader" } else { "member" }),
                    created_at: time(
                        created
                            + self
                                .rng("ranking_team_members", j)
                                .range(0, 30 * DAY)
                                .min(self.now - created),
                    ),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn team_invitations<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("ranking_team_invitations");
        let team_ids = self.ids("ranking_teams");
        let n_teams = self.ctx.n("ranking_teams");
        let each = self.ctx.n("ranking_team_invitations") / n_teams.max(1);
        for t in 0..n_teams {
            let base = self.team_base(t);
            for k in 0..each {
                let j = t * each + k;
                let mut r = self.rng("ranking_team_invitations", j);
                let created = self.now - r.range(HOUR, 120 * DAY);
                let status = ["pending", "accepted", "rejected", "cancelled", "expired"]
                    [r.weighted(&[20, 40, 20, 5, 15])];
                row! { out, "ranking_team_invitations";
                    id: uuid_text(ids.at(j)),
                    team_id: uuid_text(team_ids.at(t)),
                    inviter_id: uuid_text(self.user(self.member(base, 0))),
                    // Non-members: the users after the team's own.
                    invitee_id: uuid_text(self.user(self.member(base, self.team_size() + k))),
                    status: text(status),
                    created_at: time(created),
                    responded_at: opt_time(
                        (status != "pending" && status != "expired")
                            .then(|| created + r.range(MINUTE, 3 * DAY)),
                    ),
                    expires_at: time(created + 7 * DAY),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn ranking_sessions<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("ranking_sessions");
        let team_ids = self.ids("ranking_teams");
        let n_teams = self.ctx.n("ranking_teams");
        let teams = Perm::new(n_teams, self.ctx.key ^ tag("focusmate.teams"));
        let n = self.ctx.n("ranking_sessions");
        for j in 0..n {
            let mut r = self.rng("ranking_sessions", j);
            let t = teams.at(r.skewed(n_teams));
            let started = spread(&mut r, self.now - YEAR, self.now - MINUTE, j, n);
            let minutes = [25, 50, 5][r.weighted(&[70, 20, 10])];
            let done = (j + 1 < n || !self.ctx.samples)
                .then(|| started + minutes * MINUTE)
                .filter(|d| *d <= self.now);
            row! { out, "ranking_sessions";
                id: uuid_text(ids.at(j)),
                team_id: uuid_text(team_ids.at(t)),
                // Every ranking session has its user (USER ||--o{ RANKING_SESSIONS).
                user_id: uuid_text(self.user(self.member(self.team_base(t), r.below(self.team_size())))),
                session_type: text(if minutes == 5 { "break" } else { "work" }),
                duration_minutes: int(minutes),
                score: int(minutes * r.range(1, 4)),
                started_at: time(started),
                completed_at: opt_time(done),
                created_at: time(started),
            }?;
        }
        Ok(())
    }

    pub(super) fn mini_games<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("ranking_mini_games");
        let team_ids = self.ids("ranking_teams");
        let n_teams = self.ctx.n("ranking_teams");
        let teams = Perm::new(n_teams, self.ctx.key ^ tag("focusmate.teams"));
        for j in 0..self.ctx.n("ranking_mini_games") {
            let mut r = self.rng("ranking_mini_games", j);
            let t = teams.at(r.skewed(n_teams));
            let game = ["quiz", "reaction", "memory", "typing"][r.below(4) as usize];
            let score = r.range(0, 1000);
            row! { out, "ranking_mini_games";
                id: uuid_text(ids.at(j)),
                team_id: uuid_text(team_ids.at(t)),
                user_id: opt_uuid_text(
                    r.chance(0.98)
                        .then(|| {
                            self.user(self.member(self.team_base(t), r.below(self.team_size())))
                        }),
                ),
                game_type: text(game),
                score: int(score),
                success: bool(score > 500),
                game_data: json(&format!(
                    r#"{{"rounds": {}, "time_ms": {}}}"#,
                    r.range(1, 10),
                    r.range(500, 60_000)
                )),
                created_at: time(self.now - r.range(MINUTE, YEAR)),
            }?;
        }
        Ok(())
    }

    pub(super) fn team_verifications<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("ranking_verification_requests");
        let team_ids = self.ids("ranking_teams");
        for t in 0..self.ctx.n("ranking_teams") {
            let mut r = self.rng("ranking_verification_requests", t);
            let status = ["pending", "approved", "rejected"][r.weighted(&[30, 55, 15])];
            let created = self.team_created(t) + r.range(0, DAY);
            let reviewed = (status != "pending").then(|| created + r.range(HOUR, 5 * DAY));
            row! { out, "ranking_verification_requests";
                id: uuid_text(ids.at(t)),
                team_id: uuid_text(team_ids.at(t)),
                requested_by: opt_uuid_text(Some(self.user(self.member(self.team_base(t), 0)))),
                reviewed_by: opt_uuid_text(reviewed.map(|_| self.user(self.admin(&mut r)))),
                status: text(status),
                evidence_url: opt_text(
                    r.chance(0.7)
                        .then_some("https://cdn.example.com/evidence/team.jpg"),
                ),
                admin_note: opt_text((status == "rejected").then_some("not a study group")),
                created_at: time(created),
                reviewed_at: opt_time(reviewed),
            }?;
        }
        Ok(())
    }
}
