"""The classroom document's application (003 Database ERD v0.2), run against chatdb's
classroom schema: SQLAlchemy 2.0 models of the ERD's tables, the engine of "Connection
Pooling 설정", the eager-loading query (selectinload(Session.messages)) and the session-code
query of "쿼리 최적화 예시" verbatim, and inserts of the rows the ERD allows at its edges.
The document's queries are written for a synchronous Session (`db.execute(...)`); they run
verbatim inside AsyncSession.run_sync, which hands them a Session over the async driver.
The database session runs with TimeZone = 'Asia/Seoul' (a Korean school's server) while the
application writes UTC, as an application written from the document may. PostgreSQL only:
the document names no other database ("PostgreSQL 16+").

Usage: python3 tests/apps/classroom.py postgres://...  (after `chatdb -s classroom migrate`)
"""

import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import check, main  # noqa: E402

from sqlalchemy import CHAR, Boolean, DateTime, ForeignKey, Integer, String, Text, delete, func, select, text  # noqa: E402
from sqlalchemy.dialects.postgresql import JSONB, UUID  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402,F401  (the document imports it in its example)


class Base(DeclarativeBase):
    pass


# ERD: schools { UUID id PK, VARCHAR name, TIMESTAMP created_at }
class School(Base):
    __tablename__ = "schools"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# ERD: classes { ..., VARCHAR grade "1-1, 1-2, ..., 6-2", VARCHAR name }
class Class(Base):
    __tablename__ = "classes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    grade: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# ERD: sessions { ..., CHAR code(8) "8자리 영숫자", ..., TIMESTAMP expires_at "TTL 30분" }
class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(CHAR(8), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    ended_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, server_default=text("NOW() + INTERVAL '30 minutes'"))

    messages: Mapped[List["Message"]] = relationship(back_populates="session")


# ERD: problems { ..., UUID class_id FK "NULL = 공용", ..., INT difficulty "1-5", VARCHAR grade }
class Problem(Base):
    __tablename__ = "problems"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())
    class_id: Mapped[Optional[uuid.UUID]] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# ERD: messages { ..., VARCHAR nickname "1-20자", INT avatar_id, TEXT content "1-200자", ... }
class Message(Base):
    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    nickname: Mapped[str] = mapped_column(String(20))
    avatar_id: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    moderated: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[Session] = relationship(back_populates="messages")


# ERD: logs { UUID id PK, UUID session_id FK, VARCHAR event_type, JSONB payload, TIMESTAMP timestamp }
class Log(Base):
    __tablename__ = "logs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid())
    session_id: Mapped[Optional[uuid.UUID]] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSONB, default=dict)
    timestamp: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# ---------------------------------------------------------------- the document's queries, verbatim


def find_open_sessions(db):
    # ✅ 좋은 예: 한 번에 조회
    from sqlalchemy.orm import selectinload

    sessions = db.execute(
        select(Session)
        .options(selectinload(Session.messages))
        .where(Session.ended_at.is_(None))
    )
    return sessions.scalars().all()


def find_session_by_code(db, code):
    # 인덱스 idx_session_code_active 사용
    session = db.execute(
        select(Session)
        .where(Session.code == code)
        .where(Session.ended_at.is_(None))
        .where(Session.expires_at > func.now())
    ).scalar_one_or_none()
    return session


# ---------------------------------------------------------------- the scenario


def seoul(driver):
    """connect_args that make every connection's TimeZone Asia/Seoul, per driver."""
    if driver == "asyncpg":
        return {"server_settings": {"timezone": "Asia/Seoul"}}
    return {"options": "-c timezone=Asia/Seoul"}


async def rejected(db, row, what):
    """Checks that the database refuses `row` (and rolls the attempt back)."""
    try:
        async with db.begin_nested():
            db.add(row)
        check(False, f"accepted {what}")
    except DBAPIError:  # a CHECK (IntegrityError) or a VARCHAR width (DataError)
        pass


async def scenario(driver, url):
    # Connection Pooling 설정 (SQLAlchemy (FastAPI))
    engine = create_async_engine(
        url,
        pool_size=20,           # 기본 연결 20개
        max_overflow=10,        # 초과 시 최대 10개 추가
        pool_timeout=30,        # 타임아웃 30초
        pool_pre_ping=True,     # 연결 유효성 검사
        pool_recycle=3600,      # 1시간마다 연결 재생성
        connect_args=seoul(driver),
    )
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            tz = (await db.execute(text("SHOW TimeZone"))).scalar_one()
            check(tz == "Asia/Seoul", f"the session runs in Asia/Seoul: {tz}")
            # Each driver's run starts from the empty schema: everything cascades from schools.
            await db.execute(delete(School))
            await db.execute(delete(Problem))

            school = School(name=f"한빛초등학교 ({driver})")
            db.add(school)
            await db.flush()
            # "1-1, 1-2, ..., 6-2": both ends, and '3-5' (the fifth class of year 3).
            classes = [Class(school_id=school.id, grade=g, name=f"{g}반") for g in ("1-1", "6-2", "3-5", "6-12")]
            db.add_all(classes)
            await db.flush()
            # problems: difficulty "1-5" at both ends, a shared problem (class_id NULL = 공용),
            # and grades in any form: the ERD gives problems.grade none.
            db.add_all([
                Problem(class_id=None, question="가는 말이 고와야", answer="오는 말이 곱다",
                        type="proverb", difficulty=1, grade="3"),
                Problem(class_id=classes[0].id, question="7 × 8", answer="56", type="math",
                        difficulty=5, grade="1-1"),
                Problem(class_id=None, question="apple", answer="사과", type="vocabulary",
                        difficulty=3, grade="3학년"),
            ])
            # A session as the application opens one: the database fills started_at and
            # expires_at (NOW(), NOW() + 30 minutes, Seoul wall-clock time).
            code = "AB12cd34"
            live = Session(class_id=classes[2].id, code=code)
            other = Session(class_id=classes[1].id, code="ZZ99ZZ99")
            db.add_all([live, other])
            await db.flush()
            db.add_all([
                Message(session_id=live.id, nickname="가", avatar_id=1, content="안"),
                Message(session_id=live.id, nickname="가" * 20, avatar_id=64, content="나" * 200),
                Message(session_id=live.id, nickname="n" * 20, avatar_id=32, content="x" * 200),
                Log(session_id=live.id, event_type="join", payload={"nickname": "가"}),
            ])
            await db.commit()

            # The edges hold: one past each is refused (the ERD's and V1's own constraints).
            await rejected(db, Message(session_id=live.id, nickname="", avatar_id=1, content="a"), "an empty nickname")
            await rejected(db, Message(session_id=live.id, nickname="가" * 21, avatar_id=1, content="a"), "a 21-character nickname")
            await rejected(db, Message(session_id=live.id, nickname="a", avatar_id=1, content="나" * 201), "201 characters of content")
            await rejected(db, Message(session_id=live.id, nickname="a", avatar_id=1, content=""), "empty content")
            await rejected(db, Problem(question="q", answer="a", type="math", difficulty=6, grade="1"), "difficulty 6")
            await rejected(db, Session(class_id=classes[0].id, code="ABC-1234"), "a code that is not alphanumeric")

            # 세션 코드 검증 (최적화된 쿼리), verbatim, on a QR scan.
            found = await db.run_sync(find_session_by_code, code)
            check(found is not None and found.id == live.id, "the open session is found by its code")
            # 좋은 예 (Eager Loading), verbatim.
            open_sessions = await db.run_sync(find_open_sessions)
            by_code = {s.code: len(s.messages) for s in open_sessions}
            check(by_code == {code: 3, "ZZ99ZZ99": 0}, f"open sessions with their messages: {by_code}")

            # The teacher ends the session; the application writes UTC, the defaults wrote
            # Seoul time (nine hours ahead). Nothing in the document orders the two.
            live.ended_at = datetime.utcnow()
            await db.commit()
            check(await db.run_sync(find_session_by_code, code) is None, "an ended session is not found by its code")
            # A session the application opens with its own UTC clock, expiring in 30 minutes.
            now = datetime.utcnow()
            db.add(Session(class_id=classes[0].id, code="QR000001", started_at=now,
                           expires_at=now + timedelta(minutes=30)))
            await db.commit()

            # Deleting a school cascades through classes, sessions, messages and logs.
            await db.execute(delete(School).where(School.id == school.id))
            await db.commit()
            left = (await db.execute(select(func.count()).select_from(Message).where(Message.session_id == live.id))).scalar_one()
            check(left == 0, "deleting a school deletes its sessions' messages")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main(scenario)
