"""The focusmate document's application (002 ARC-012), run against chatdb's focusmate
schema: SQLAlchemy 2.0 async models of the tables 3.1 and 3.2 spell out (user, room,
session_history, post), the engine of 1.3, the join query of 6.1 and the pagination query
of 6.1 verbatim, and the relations of the 2.1 diagram that chatdb designs the tables for
(USER ||--o{ RANKING_SESSIONS, a matching proposal per pair). PostgreSQL only: the document
names no other database ("PostgreSQL (Supabase)", asyncpg).

Usage: python3 tests/apps/focusmate.py postgres://...  (after `chatdb -s focusmate migrate`)
"""

import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import check, main  # noqa: E402

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, delete, func, select  # noqa: E402
from sqlalchemy.dialects.postgresql import ARRAY  # noqa: E402
from sqlalchemy.exc import IntegrityError  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload  # noqa: E402


def new_id() -> str:
    """3.1: "id: UUID 기본 키" in a VARCHAR(36) column."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


# 3.1 user (사용자)
class User(Base):
    __tablename__ = "user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    username: Mapped[str] = mapped_column(String(50), unique=True, index=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    bio: Mapped[Optional[str]] = mapped_column(Text)
    total_focus_time: Mapped[int] = mapped_column(Integer, default=0)
    total_sessions: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    sessions: Mapped[List["SessionHistory"]] = relationship(back_populates="user")


# 3.1 room (포모도로 방)
class Room(Base):
    __tablename__ = "room"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    room_name: Mapped[str] = mapped_column(String(100))
    host_id: Mapped[Optional[str]] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    work_duration_minutes: Mapped[int] = mapped_column(Integer, default=25)
    break_duration_minutes: Mapped[int] = mapped_column(Integer, default=5)
    auto_start_break: Mapped[bool] = mapped_column(Boolean, default=True)
    max_participants: Mapped[int] = mapped_column(Integer, default=50)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# 3.1 session_history (세션 기록)
class SessionHistory(Base):
    __tablename__ = "session_history"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[Optional[str]] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[Optional[str]] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    session_type: Mapped[str] = mapped_column(String(10))  # 'work' or 'break'
    duration_minutes: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    room_name: Mapped[Optional[str]] = mapped_column(String(100))

    user: Mapped[Optional[User]] = relationship(back_populates="sessions")


# 3.2 post (게시글)
class Post(Base):
    __tablename__ = "post"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    author_id: Mapped[Optional[str]] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[Optional[str]] = mapped_column(String(50), index=True)
    tags: Mapped[Optional[List[str]]] = mapped_column(ARRAY(Text))
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# 2.2 #20 ranking_teams (3.3) and #19 ranking_sessions; 2.1: USER ||--o{ RANKING_SESSIONS.
class RankingTeam(Base):
    __tablename__ = "ranking_teams"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    team_name: Mapped[str] = mapped_column(String(100), unique=True)
    leader_id: Mapped[Optional[str]] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))


class RankingSession(Base):
    __tablename__ = "ranking_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    team_id: Mapped[Optional[str]] = mapped_column(ForeignKey("ranking_teams.id", ondelete="SET NULL"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# 3.4 matching_pools and 2.2 #26 matching_proposals.
class MatchingPool(Base):
    __tablename__ = "matching_pools"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[Optional[str]] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="waiting")


class MatchingProposal(Base):
    __tablename__ = "matching_proposals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pool_a_id: Mapped[str] = mapped_column(ForeignKey("matching_pools.id", ondelete="CASCADE"))
    pool_b_id: Mapped[str] = mapped_column(ForeignKey("matching_pools.id", ondelete="CASCADE"))


async def scenario(driver, url):
    # 1.3 연결 풀 설정
    engine = create_async_engine(
        url,
        pool_size=20,           # 기본 연결 수
        max_overflow=10,        # 추가 연결 수
        pool_timeout=30,        # 연결 대기 시간
        pool_recycle=3600,      # 연결 재사용 시간
        echo=False              # SQL 로깅 (개발: True)
    )
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            # Each driver's run starts from the empty schema chatdb migrated: the previous
            # run's users go, and every row here cascades from a user.
            await session.execute(delete(User))
            users = [
                User(email=f"{name}-{driver}@example.com", username=f"{name}-{driver}",
                     hashed_password="$2b$12$" + "x" * 53)
                for name in ("mina", "joon", "idle")
            ]
            session.add_all(users)
            await session.flush()
            room = Room(room_name="Morning focus", host_id=users[0].id)
            session.add(room)
            await session.flush()
            session.add_all([
                SessionHistory(user_id=users[0].id, room_id=room.id, session_type="work",
                               duration_minutes=25, room_name=room.room_name),
                SessionHistory(user_id=users[0].id, room_id=room.id, session_type="break",
                               duration_minutes=5, room_name=room.room_name),
                joons := SessionHistory(user_id=users[1].id, session_type="work", duration_minutes=50),
            ])
            base = datetime.now(timezone.utc) - timedelta(days=1)
            session.add_all([
                Post(author_id=users[i % 2].id, title=f"post {i}", content="공부 인증",
                     category="study", tags=["pomodoro", f"t{i}"],
                     created_at=base + timedelta(minutes=i))
                for i in range(45)
            ])
            await session.commit()

        async with AsyncSession(engine, expire_on_commit=False) as session:
            # 6.1 좋은 예 (JOIN 사용), verbatim
            result = await session.execute(
                select(User, SessionHistory)
                .join(SessionHistory)
                .options(selectinload(User.sessions))
            )
            rows = result.all()
            check(len(rows) == 3, f"one row per (user, session) pair: {len(rows)}")
            by_user = {u.username: len(u.sessions) for u, _ in rows}
            check(by_user == {f"mina-{driver}": 2, f"joon-{driver}": 1},
                  f"User.sessions loaded by selectinload: {by_user}")

            # 6.1 페이지네이션, verbatim (LIMIT/OFFSET), pages 0..2 of 20
            titles = []
            for page in range(3):
                query = select(Post).order_by(Post.created_at.desc())
                query = query.limit(20).offset(page * 20)
                posts = (await session.execute(query)).scalars().all()
                titles.append([p.title for p in posts])
            check([len(t) for t in titles] == [20, 20, 5], f"page sizes: {[len(t) for t in titles]}")
            check(titles[0][0] == "post 44" and titles[2][-1] == "post 0",
                  f"newest first across pages: {titles[0][0]} .. {titles[2][-1]}")

            # The lobby query the manifest's active_rooms measures (ix_room_is_active).
            active = (await session.execute(
                select(Room).where(Room.is_active == True).order_by(Room.created_at.desc()).limit(50)  # noqa: E712
            )).scalars().all()
            check(room.id in [r.id for r in active], "an active room is listed in the lobby")

            # USER ||--o{ RANKING_SESSIONS: a session belongs to its user, a team is optional.
            team = RankingTeam(team_name=f"team-{driver}", leader_id=users[0].id)
            session.add(team)
            await session.flush()
            now = datetime.now(timezone.utc)
            solo = RankingSession(user_id=users[1].id, duration_minutes=25, started_at=now)
            teamed = RankingSession(user_id=users[0].id, team_id=team.id, duration_minutes=25,
                                    started_at=now)
            session.add_all([solo, teamed])
            await session.commit()
            await session.delete(team)
            await session.commit()
            await session.refresh(teamed)
            check(teamed.team_id is None, "deleting a team keeps its members' ranking sessions")
            try:
                async with session.begin_nested():
                    session.add(RankingSession(user_id=None, duration_minutes=25, started_at=now))
                check(False, "a ranking session without a user was accepted")
            except IntegrityError:
                pass

            # A pair of pools is proposed once, whichever pool comes first.
            p1 = MatchingPool(user_id=users[0].id)
            p2 = MatchingPool(user_id=users[1].id)
            session.add_all([p1, p2])
            await session.flush()
            session.add(MatchingProposal(pool_a_id=p1.id, pool_b_id=p2.id))
            await session.commit()
            try:
                async with session.begin_nested():
                    session.add(MatchingProposal(pool_a_id=p2.id, pool_b_id=p1.id))
                check(False, "the pair (p2, p1) was accepted after (p1, p2)")
            except IntegrityError:
                pass

            # Deleting a user cascades to their session history and ranking sessions.
            await session.execute(delete(User).where(User.id == users[1].id))
            await session.commit()
            left = (await session.execute(
                select(func.count()).select_from(SessionHistory).where(SessionHistory.id == joons.id)
            )).scalar_one()
            check(left == 0, "deleting a user deletes their session history")
            left = (await session.execute(
                select(func.count()).select_from(RankingSession).where(RankingSession.id == solo.id)
            )).scalar_one()
            check(left == 0, "deleting a user deletes their ranking sessions")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main(scenario)
