"""Generate realistic, deterministic ChatGPT data exports for chatdex benchmarks.

Usage::

    python benchmarks/generate.py --messages 1000000 --seed 1 --out export.zip
    python benchmarks/generate.py --messages 1000000 --out split.zip --format shards --shard-size-mb 100
    python benchmarks/generate.py --messages 2000 --seed 1 --out conversations.json --format json

or from Python: ``generate(Path("export.zip"), messages=100_000, seed=1) -> stats dict``.

Formats:

- ``zip`` (default): a deflated ZIP holding one ``conversations.json`` and a small ``user.json``,
  like the exports of 2023-2025. Nodes have ``children`` and keys are in the exporter's order.
- ``shards``: the 2026 split export: ``conversations-000.json``, ``conversations-001.json``, ... each
  at most ``--shard-size-mb`` MiB (one conversation larger than that gets a shard of its own),
  minified, nodes **without** ``children``, every object's keys sorted, plus
  ``export_manifest.json`` ``[{path, size_bytes}]``, ``conversation_asset_file_names.json`` and
  ``user.json``.
- ``json``: a bare ``conversations.json``.

The same ``--messages`` and ``--seed`` give byte-identical output (one ``random.Random(seed)``, fixed
ZIP timestamps, no set iteration). Output is streamed one conversation at a time, so memory stays
flat at any size; deflate runs on a second thread (zlib releases the GIL).

What a message is, and what ``--messages`` counts: a node whose extracted text is non-empty or
that has attachments, which is the rule chatdex's parser applies. The generator also writes the
nodes real exports have that are *not* messages (null-message roots, the empty system message,
empty web-search tool results), and does not count them.

Shape, per the export fixtures in tests/data (README there):

- conversations of ~20 messages on average, lognormal, clipped to 1..2000;
- user turns of tens of words, assistant answers of hundreds; ~15% of text answers hold a fenced
  code block (mostly ```python);
- ~9% of messages off the current branch: regenerated answers and edited prompts (with the
  original attempt and its follow-ups left on the old branch); ``current_node`` names the branch
  the conversation continued on (null on ~1%, where the newest leaf is that same node);
- timestamps from 2022-11-30 to 2026-10-31, increasing within a conversation, with models and
  features by era: text-davinci-002-render-sha and gpt-4 with browsing (``tether_browsing_display``,
  ``tether_quote``, ``【0†title†domain】`` citations) and Code Interpreter (``code`` to ``python``,
  ``execution_output``); custom GPTs ``g-…`` and DALL-E images; gpt-4o with voice
  (``multimodal_text`` with ``audio_transcription``), image uploads (``image_asset_pointer``),
  canvas and memory; o3/o4-mini and gpt-5 thinking with ``thoughts``, ``reasoning_recap`` and
  channels ``analysis``/``commentary``/``final``; ``web.run`` with ``\\ue200cite\\ue202turn0search3\\ue201``
  markers and ``sonic_webpage`` results; projects ``g-p-…``; agent mode ``computer_output``;
  ``user_editable_context`` (custom instructions, hidden) in ~25% of conversations from 2023;
- ~8% of messages in Chinese, Japanese or Korean (whole conversations); ~2% of titles null.

Vocabulary: English text is drawn from a fixed vocabulary (independent of the seed, ~9,000 words):
~240 common English words at the top of the ranking, ~215 technical words spread through ranks
300-2,500 and ~8,500 pseudo-words built from syllables, picked with a Zipf-Mandelbrot distribution
(exponent 1, shift 2.7), plus ~6% topic words per conversation that recur through it, as real
conversations do. CJK text uses fixed per-language word lists (~100 words each).

Markers (``MARKERS``) that benchmark queries can rely on:

==================  =====================  ===================================================
key                 value                  where
==================  =====================  ===================================================
rare_word           ``quokkaflux``         ~0.01% of messages (at least one), seen text
uncommon_word       ``zeitgeist``          ~0.1% of messages (at least one), seen text
common_word         ``the``                ~65% of messages (rank 1 of the Zipf ranking)
phrase              ``vector database``    ~0.5% of messages, always as that phrase (``vector``
                                           occurs nowhere else; ``database`` in ~2%)
cjk_word            ``睡眠``               ~0.4% of messages (~6% of Chinese/Japanese ones);
                                           the characters 睡 and 眠 occur nowhere else
prefix              ``kube``               ``PREFIX_FAMILY`` (kube, kubectl, kubernetes,
                                           kubelet, kubeconfig, kubeadm): ~4% of messages each
identifier          ``fetch_kube_metrics`` ~0.1% of messages, inside code blocks
==================  =====================  ===================================================

``MARKER_RATES`` gives the target share of messages for the scheduled markers; the stats returned
by ``generate`` count the messages that got each one (``markers``).
"""

from __future__ import annotations

import argparse
import bisect
import math
import queue
import random
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import orjson

FORMATS = ("zip", "shards", "json")

MARKERS: dict[str, str] = {
    "rare_word": "quokkaflux",
    "uncommon_word": "zeitgeist",
    "common_word": "the",
    "phrase": "vector database",
    "cjk_word": "睡眠",
    "prefix": "kube",
    "identifier": "fetch_kube_metrics",
}
PREFIX_FAMILY: tuple[str, ...] = ("kube", "kubectl", "kubernetes", "kubelet", "kubeconfig", "kubeadm")
# Share of all messages that get each scheduled marker (at least one message each).
MARKER_RATES: dict[str, float] = {
    "rare_word": 0.0001,
    "uncommon_word": 0.001,
    "phrase": 0.005,
    "cjk_word": 0.004,
    "identifier": 0.001,
}

START = datetime(2022, 11, 30, tzinfo=UTC).timestamp()
END = datetime(2026, 10, 31, tzinfo=UTC).timestamp()

# Fixed so that the ZIP bytes depend only on --messages and --seed.
_ZIP_DATE = (2026, 10, 31, 12, 0, 0)
# Level 1 deflates this text several times faster than the default 6 (82 vs 12 MB/s on a
# 2-core VM), which keeps compression off the critical path, for a ~13% larger file; readers
# inflate both at the same speed.
_ZIP_LEVEL = 1
_CHUNK = 1 << 20  # bytes handed to the writer thread at a time
_MIB = 1 << 20

# ---------------------------------------------------------------------------------------------
# Vocabulary


def _wordlist(text: str) -> list[str]:
    return text.split()


# Roughly in frequency order: they take the top Zipf ranks, as function words do in English.
_COMMON = _wordlist("""
the of and to a in is you that it for on with as are this be was have or at by not from but
can your will an if they we all so there what one has more do which about when their would
use like out up how other also then some get make them into time these just any new only see
its need my first two way because each file should most could where me data well may set first
while here after want both many work run used same example value different over through change
need using code still return same between without before however might check error system
number line add list sure case test instead step name does help point start each every create
type function know look again own since set call key model user output input string note part
three end find next long version local default update few possible simple small without first
right keep good large back problem result main rather another less order least give state
process means method server small single multiple support current common page rule text build
option item make open try much very under need already better often level both clear term
short high low follow path best across around never always something thing already word
place group approach read write show include within although against whether usually less
instead able free simple full real easy hard fast slow whole true false once even far yet
""")

_TECH = _wordlist("""
python javascript typescript rust golang java kotlin swift sql postgres mysql sqlite redis
mongodb kafka docker container image registry kube kubectl kubernetes kubelet kubeconfig
kubeadm helm pod deployment service ingress namespace cluster node manifest yaml json toml csv
api endpoint request response header token auth oauth session cookie cache proxy nginx linux
bash shell terminal script command flag environment variable config debug logger log trace
metric latency throughput memory cpu thread async await promise callback event queue worker
scheduler cron batch stream pipeline buffer socket http https websocket tcp udp dns certificate
tls ssh git commit branch merge rebase pull push repository issue patch release tag ci build
compile linker binary package module import dependency library framework react vue django flask
fastapi pandas numpy dataframe array tensor embedding vector database index query schema table
column row migration transaction lock replica shard backup restore storage bucket object blob
upload download parse serialize encode decode regex unicode utf bytes integer float boolean
dictionary tuple class object interface struct enum generic lambda closure iterator generator
decorator exception stack heap pointer reference garbage compiler interpreter runtime benchmark
profile optimize refactor unittest pytest fixture mock assert coverage lint format prettier
webpack vite npm pip cargo gradle maven terraform ansible aws azure gcp lambda bucket vpc
subnet firewall gateway load balancer autoscaling prometheus grafana alert dashboard ssl
""")

# Chinese, Japanese and Korean words for CJK conversations. No word contains 睡 or 眠, so the
# marker 睡眠 appears only where the schedule puts it.
_ZH = _wordlist("""
我们 你 他 这个 那个 问题 如何 为什么 可以 需要 使用 方法 代码 数据 文件 系统 时间 工作
学习 生活 健康 运动 饮食 早餐 咖啡 旅行 城市 天气 今天 明天 周末 计划 项目 团队 会议 报告
分析 结果 模型 训练 测试 部署 服务器 数据库 接口 错误 日志 性能 优化 内存 配置 环境 版本
更新 安装 下载 用户 设计 界面 功能 需求 文档 翻译 写作 文章 故事 音乐 电影 书籍 历史 经济
市场 价格 投资 银行 公司 产品 客户 服务 质量 安全 隐私 网络 手机 电脑 软件 硬件 算法 逻辑
建议 步骤 例子 原因 影响 重要 简单 复杂 快速 稳定 而且 但是 所以 因为 如果 然后 已经 还是
非常 比较 一些 每天 的 了 是 在 和 有 也 就 都 要 会 能 不 很 吗 呢
""")

_JA = _wordlist("""
私 あなた これ それ 問題 方法 理由 コード データ ファイル システム 時間 仕事 勉強 生活 健康
運動 食事 朝ごはん コーヒー 旅行 東京 大阪 天気 今日 明日 週末 計画 プロジェクト チーム 会議
報告 分析 結果 モデル 学習 テスト デプロイ サーバー データベース エラー ログ 性能 最適化 メモリ
設定 環境 バージョン 更新 インストール ユーザー 設計 画面 機能 要件 文書 翻訳 文章 物語 音楽
映画 本 歴史 経済 市場 価格 会社 製品 お客様 品質 安全 ネットワーク スマホ パソコン について
を は が に で と も から まで ですか です ます ください たい ました ません できる する 使う
教えて 簡単 重要 少し とても もっと
""")

_KO = _wordlist("""
저는 당신 이것 그것 문제 방법 이유 코드 데이터 파일 시스템 시간 일 공부 생활 건강 운동 식사
아침 커피 여행 서울 부산 날씨 오늘 내일 주말 계획 프로젝트 팀 회의 보고서 분석 결과 모델
학습 테스트 배포 서버 데이터베이스 오류 로그 성능 최적화 메모리 설정 환경 버전 업데이트 설치
사용자 디자인 화면 기능 요구사항 문서 번역 글쓰기 이야기 음악 영화 책 역사 경제 시장 가격
회사 제품 고객 품질 안전 네트워크 휴대폰 컴퓨터 어떻게 왜 그리고 하지만 그래서 만약 정말
조금 많이 좋은 중요한 간단한 알려 주세요 합니다 있습니다 없습니다 했어요 싶어요 해요
""")

_ONSETS = [
    *_wordlist("b bl br c ch cl cr d dr f fl fr g gl gr h j k kl kr l m n p pl pr qu r s sc sh sk sl sm sn"),
    *_wordlist("sp st str t th tr v w wh z"),
    "",
    "",
    "",
]
_VOWELS = _wordlist("a e i o u a e i o ai ea ee oo ou io ia y")
_CODAS = ["", "", "", "n", "r", "s", "l", "m", "nd", "nt", "st", "x", "k", "ck", "th", "ng", "rt", "sh"]


def _pseudo_words(count: int, exclude: set[str]) -> list[str]:
    """Pronounceable made-up words, always the same ones (their own fixed seed)."""
    rng = random.Random(20221130)
    words: list[str] = []
    seen = set(exclude)
    while len(words) < count:
        # Mostly two syllables and 4-9 letters, like the English words they stand in for.
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice((1, 2, 2, 2, 3)))
        )
        if 3 <= len(word) <= 10 and word not in seen and not word.startswith("kube"):
            seen.add(word)
            words.append(word)
    return words


def _ranked_vocabulary() -> list[str]:
    common = list(dict.fromkeys(_COMMON))
    # "vector" stays out of the draw so that "vector database" occurs as a phrase only where
    # the schedule puts it; "database" alone is common enough.
    tech = [w for w in dict.fromkeys(_TECH) if w not in ("vector", *common)]
    markers = {MARKERS["rare_word"], MARKERS["uncommon_word"], "vector"}
    pseudo = _pseudo_words(8500, set(common) | set(tech) | markers)
    # Technical words are spread through ranks ~300-2,500 among the pseudo-words, so some are
    # frequent (python, file) and some rare, like a real technical vocabulary.
    ranked = list(common)
    tech_iter = iter(tech)
    for index, word in enumerate(pseudo):
        if index % 9 == 0:
            ranked.append(next(tech_iter, word))
            if ranked[-1] is word:
                continue
        ranked.append(word)
    return ranked


def _zipf_table(words: Sequence[str], size: int, exponent: float = 1.0, shift: float = 2.7) -> list[str]:
    """A list of `size` entries where each word appears in proportion to its Zipf-Mandelbrot
    weight (at least once), so a uniform index into it is a Zipf draw: picking many words is then
    one C-level call instead of a bisect per word."""
    weights = [1.0 / (rank + shift) ** exponent for rank in range(1, len(words) + 1)]
    total = sum(weights)
    counts = [max(1, round(size * w / total)) for w in weights]
    # Rounding and the minimum of one leave the table a little off `size`; take the difference
    # from (or give it to) the most frequent word, whose share barely changes.
    counts[0] += size - sum(counts)
    table: list[str] = []
    for word, count in zip(words, counts, strict=True):
        table.extend([word] * count)
    return table


VOCABULARY: list[str] = _ranked_vocabulary()
# Draws index a 2**16-entry table with uint16s: the Zipf part, then slots each generator fills
# with the current conversation's topic words, so ~6% of words are on topic at no cost per word.
_TOPIC_SLOTS = 4096
_EN_TABLE = _zipf_table(VOCABULARY, (1 << 16) - _TOPIC_SLOTS)
_CJK_TABLES = {
    lang: _zipf_table(words, 1 << 8, 0.9) for lang, words in (("zh", _ZH), ("ja", _JA), ("ko", _KO))
}
_TECH_WORDS = [w for w in _TECH if w != "vector"]

# ---------------------------------------------------------------------------------------------
# Eras: what the app could do, and which models it offered, from each date on.


@dataclass(frozen=True, slots=True)
class _Era:
    name: str
    start: float
    models: tuple[tuple[str, float], ...]
    web: str = ""  # recipient of a web search: "", "browser", "web" or "web.run"
    python: bool = False
    dalle: bool = False
    uploads: bool = False
    voice: bool = False
    gpts: bool = False
    projects: bool = False
    instructions: bool = False
    canvas: bool = False
    memory: bool = False
    agent: bool = False
    channels: bool = False  # every assistant message has a channel (final/commentary)
    sonic: bool = False  # web results come as sonic_webpage
    new_root: bool = False  # the root node is "client-created-root"


def _ts(year: int, month: int, day: int) -> float:
    return datetime(year, month, day, tzinfo=UTC).timestamp()


_ERAS = (
    _Era("launch", START, (("text-davinci-002-render-sha", 1.0),)),
    _Era(
        "gpt-4",
        _ts(2023, 3, 14),
        (
            ("text-davinci-002-render-sha", 0.5),
            ("gpt-4", 0.3),
            ("gpt-4-browsing", 0.06),
            ("gpt-4-code-interpreter", 0.1),
            ("gpt-4-plugins", 0.04),
        ),
        web="browser",
        python=True,
        instructions=True,
    ),
    _Era(
        "gpts",
        _ts(2023, 11, 6),
        (("gpt-4", 0.55), ("text-davinci-002-render-sha", 0.35), ("gpt-4-gizmo", 0.1)),
        web="browser",
        python=True,
        dalle=True,
        uploads=True,
        gpts=True,
        instructions=True,
    ),
    _Era(
        "gpt-4o",
        _ts(2024, 5, 13),
        (("gpt-4o", 0.7), ("gpt-4o-mini", 0.15), ("gpt-4", 0.05), ("o1-preview", 0.05), ("o1-mini", 0.05)),
        web="web",
        python=True,
        dalle=True,
        uploads=True,
        voice=True,
        gpts=True,
        instructions=True,
        canvas=True,
        memory=True,
        new_root=True,
    ),
    _Era(
        "reasoning",
        _ts(2025, 1, 31),
        (("gpt-4o", 0.55), ("o3-mini", 0.1), ("o1", 0.05), ("o3", 0.15), ("o4-mini", 0.1), ("gpt-4-5", 0.05)),
        web="web.run",
        python=True,
        uploads=True,
        voice=True,
        gpts=True,
        projects=True,
        instructions=True,
        canvas=True,
        memory=True,
        new_root=True,
    ),
    _Era(
        "gpt-5",
        _ts(2025, 8, 7),
        (("gpt-5", 0.6), ("gpt-5-thinking", 0.3), ("gpt-4o", 0.1)),
        web="web.run",
        python=True,
        uploads=True,
        voice=True,
        gpts=True,
        projects=True,
        instructions=True,
        canvas=True,
        memory=True,
        agent=True,
        channels=True,
        sonic=True,
        new_root=True,
    ),
    _Era(
        "gpt-5.1",
        _ts(2025, 11, 12),
        (("gpt-5.1", 0.6), ("gpt-5.1-thinking", 0.3), ("gpt-5-mini", 0.1)),
        web="web.run",
        python=True,
        uploads=True,
        voice=True,
        gpts=True,
        projects=True,
        instructions=True,
        canvas=True,
        memory=True,
        agent=True,
        channels=True,
        sonic=True,
        new_root=True,
    ),
)
_ERA_STARTS = [era.start for era in _ERAS]
# Models whose exports carry `thoughts` and `reasoning_recap` (o1's did not).
_THINKING = frozenset({"o3-mini", "o3", "o4-mini", "gpt-5-thinking", "gpt-5.1-thinking"})

# Shares of the branch-making events, tuned so that ~9% of messages end up off the current
# branch (each regeneration leaves ~1.5 messages behind, each edit ~3.5).
_P_REGENERATE = 0.08
_P_EDIT = 0.037
_P_CJK = 0.103
_P_INSTRUCTIONS = 0.25
_P_CODE_BLOCK = 0.15

# ---------------------------------------------------------------------------------------------
# Output: a byte sink that writes from a second thread.


class _Writable(Protocol):
    """A binary stream being written: a ZIP member or the bare JSON file."""

    def write(self, data: bytes, /) -> int: ...

    def close(self) -> None: ...


class _Sink:
    """Collects bytes into ~1 MiB chunks and writes them from a background thread. zipfile's
    deflate and CRC-32 release the GIL, so compression runs on a second core while this thread
    builds conversations; the bounded queue keeps memory flat."""

    def __init__(self, target: _Writable) -> None:
        self._target = target
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.written = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="export-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        self.written += len(data)
        if self._pending_size >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._error is not None:
            raise self._error
        if self._pending:
            self._queue.put(b"".join(self._pending))
            self._pending.clear()
            self._pending_size = 0

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:  # after a failure, keep draining so the producer never blocks
                try:
                    self._target.write(chunk)
                except BaseException as error:
                    self._error = error

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever platform generates it: same bytes everywhere
    info.external_attr = 0o644 << 16
    # A ZipInfo passed to ZipFile.open() carries its own level; the attribute was renamed in 3.13.
    for attribute in ("compress_level", "_compresslevel"):
        try:
            setattr(info, attribute, _ZIP_LEVEL)
            break
        except AttributeError:
            continue
    return info


class _ArrayWriter:
    """Writes conversations as one JSON array per member, starting a new member (shard) when the
    next conversation would take the current one over `limit` bytes."""

    def __init__(
        self, open_member: Callable[[str], _Writable], names: Iterator[str], limit: int | None
    ) -> None:
        self._open_member = open_member
        self._names = names
        self._limit = limit
        self._member: _Writable | None = None
        self._sink: _Sink | None = None
        self._name = ""
        self._count = 0
        self.members: list[tuple[str, int]] = []  # (name, uncompressed size)

    def add(self, blob: bytes) -> None:
        if (
            self._sink is not None
            and self._limit is not None
            and self._count
            and self._sink.written + 1 + len(blob) + 1 > self._limit
        ):
            self._finish()
        if self._sink is None:
            self._start()
        assert self._sink is not None
        self._sink.write(b"," + blob if self._count else blob)
        self._count += 1

    def _start(self) -> None:
        self._name = next(self._names)
        self._member = self._open_member(self._name)
        assert self._member is not None
        self._sink = _Sink(self._member)
        self._sink.write(b"[")
        self._count = 0

    def _finish(self) -> None:
        assert self._sink is not None and self._member is not None
        self._sink.write(b"]")
        try:
            self._sink.close()
        finally:
            self._member.close()
        self.members.append((self._name, self._sink.written))
        self._sink = self._member = None

    def close(self) -> None:
        if self._sink is None and not self.members:
            self._start()  # no conversations at all: still a valid, empty array
        if self._sink is not None:
            self._finish()

    def abort(self) -> None:
        if self._sink is not None and self._member is not None:
            try:
                self._sink.close()
            finally:
                self._member.close()
            self._sink = self._member = None


# ---------------------------------------------------------------------------------------------
# Stats


@dataclass
class _Stats:
    conversations: int = 0
    messages: int = 0
    on_alternate_branch: int = 0
    json_bytes: int = 0
    cjk_messages: int = 0
    answers: int = 0
    answers_with_code: int = 0
    by_content_type: Counter[str] = field(default_factory=Counter)
    by_visibility: Counter[str] = field(default_factory=Counter)
    by_role: Counter[str] = field(default_factory=Counter)
    by_era: Counter[str] = field(default_factory=Counter)
    markers: Counter[str] = field(default_factory=Counter)
    null_titles: int = 0
    gpt_conversations: int = 0
    project_conversations: int = 0


def _visibility(message: dict[str, Any]) -> str:
    """The parser's visibility rules (tests/data/README.md), applied to a message we wrote."""
    author = message["author"]
    role, name = author["role"], author["name"] or ""
    content_type = message["content"]["content_type"]
    recipient, channel = message["recipient"], message["channel"]
    if (
        role == "system"
        or content_type in ("user_editable_context", "model_editable_context")
        or message["metadata"].get("is_visually_hidden_from_conversation") is True
    ):
        return "hidden"
    if content_type in ("thoughts", "reasoning_recap") or channel == "analysis":
        return "reasoning"
    if role == "tool":
        return "seen" if name.startswith("canmore") else "tool"
    if channel == "commentary" or not (recipient in ("all", "python") or recipient.startswith("canmore")):
        return "tool"
    return "seen"


class _Schedule:
    """Puts a marker into `count` messages spread evenly over the archive: the first eligible
    message at or after each of the positions 0, total/count, 2*total/count, ..."""

    def __init__(self, total: int, rate: float) -> None:
        self.count = max(1, round(total * rate))
        self._step = total / self.count
        self._taken = 0

    def due(self, ordinal: int) -> bool:
        return self._taken < self.count and ordinal >= self._taken * self._step

    def take(self) -> None:
        self._taken += 1


# ---------------------------------------------------------------------------------------------
# Conversations


class _Conversation:
    """One conversation's mapping being built, node by node, in time order."""

    def __init__(self, era: _Era, start: float, children: bool) -> None:
        self.era = era
        self.clock = start
        self.children = children
        self.mapping: dict[str, dict[str, Any]] = {}
        self.parents: dict[str, str | None] = {}
        self.counted: list[tuple[str, dict[str, Any]]] = []  # (node id, message) of real messages
        self.last = ""

    def tick(self, seconds: float) -> float:
        # Past the end of the range, later turns come seconds apart instead of hours.
        if self.clock + seconds > END:
            seconds = min(seconds, 2.0)
        self.clock += seconds
        return round(self.clock, 6)

    def node(self, node_id: str, parent: str | None, message: dict[str, Any] | None, counted: bool) -> str:
        entry: dict[str, Any] = {"id": node_id, "message": message, "parent": parent}
        if self.children:
            entry["children"] = []
            if parent is not None:
                self.mapping[parent]["children"].append(node_id)
        self.mapping[node_id] = entry
        self.parents[node_id] = parent
        if counted and message is not None:
            self.counted.append((node_id, message))
        self.last = node_id
        return node_id

    @property
    def count(self) -> int:
        return len(self.counted)


class _Generator:
    def __init__(self, messages: int, seed: int, children: bool) -> None:
        self.rng = random.Random(seed)
        self.target = messages
        self.children = children
        self.stats = _Stats()
        self.assets: list[str] = []
        self.schedules = {key: _Schedule(messages, rate) for key, rate in MARKER_RATES.items()}
        rng = self.rng
        self.table = [*_EN_TABLE, *(["project"] * _TOPIC_SLOTS)]
        # A handful of custom GPTs and projects, reused as people do.
        alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        self.gpts = [
            ("g-" + "".join(rng.choice(alnum) for _ in range(9)), self._title_words(2)) for _ in range(8)
        ]
        self.projects = [f"g-p-{rng.getrandbits(128):032x}" for _ in range(5)]
        self.user_id = "user-" + "".join(rng.choice(alnum) for _ in range(24))
        self.base = 0  # messages written before the conversation being built: marker positions

    # -- ids and words ------------------------------------------------------------------------

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:32]}"

    def draw(self, n: int) -> list[str]:
        """n Zipf-distributed English words: random uint16 indexes into the table, read by one
        itemgetter call (~3x faster than random.choices)."""
        if n <= 0:
            return []
        indexes = memoryview(self.rng.getrandbits(16 * n).to_bytes(2 * n, "little")).cast("H")
        if n == 1:
            return [self.table[indexes[0]]]
        return list(itemgetter(*indexes)(self.table))

    def set_topic(self, topic: Sequence[str]) -> None:
        self.table[-_TOPIC_SLOTS:] = (list(topic) * (_TOPIC_SLOTS // len(topic) + 1))[:_TOPIC_SLOTS]

    def draw_cjk(self, lang: str, n: int) -> list[str]:
        table = _CJK_TABLES[lang]
        return [table[b] for b in self.rng.getrandbits(8 * n).to_bytes(n, "little")] if n > 0 else []

    def _title_words(self, n: int) -> str:
        return " ".join(w.capitalize() for w in self.draw(n))

    def lognormal_int(self, median: float, sigma: float, low: int, high: int) -> int:
        return max(low, min(high, round(self.rng.lognormvariate(math.log(median), sigma))))

    def prose(self, n: int, topic: Sequence[str], lang: str = "en", extra: Sequence[str] = ()) -> str:
        """n words of sentences and paragraphs, with this conversation's topic words mixed in and
        `extra` tokens (markers) at random places."""
        rng = self.rng
        n = max(n, 1)
        if lang == "en":
            words = self.draw(n)  # topic words come with the draw (see set_topic)
        else:
            words = self.draw_cjk(lang, n)
            for _ in range(n // 15):  # technical English words inside CJK text, as people write
                words[rng.randrange(n)] = rng.choice(_TECH_WORDS)
        for token in extra:
            words.insert(rng.randrange(len(words) + 1), token)
        # Sentence ends and capitals are edited into the word list in place and joined once:
        # a slice and a join per sentence cost twice as much.
        total = len(words)
        latin = lang in ("en", "ko")
        comma = "," if latin else "、" if lang == "ja" else "，"
        i, bits, left = 0, 0, 0
        while i < total:
            if not left:  # 9 random bits per sentence, 7 sentences per draw
                bits, left = rng.getrandbits(63), 7
            left -= 1
            size = 5 + (bits & 15)  # 5..20 words
            last = min(i + size, total) - 1
            if lang == "en":
                words[i] = words[i].capitalize()
            if last - i > 9:
                words[i + size // 2] += comma
            if latin:
                # One sentence in 8 is a question; one in 4 ends a paragraph.
                words[last] += ("?" if bits & 0x70 == 0 else ".") + ("\n\n" if bits & 0x180 == 0 else "")
            else:
                words[last] += "。\n\n" if bits & 0x180 == 0 else "。"
            bits >>= 9
            i += size
        text = (" " if latin else "").join(words)
        return text.replace("\n\n ", "\n\n").rstrip() if latin else text.rstrip()

    def code(self, topic: Sequence[str], identifier: str | None) -> tuple[str, str]:
        """A fenced-code body: (language, text) with snake_case and camelCase identifiers."""
        rng = self.rng
        words = self.draw(40)
        names = [f"{a}_{b}" for a, b in zip(words[::2], words[1::2], strict=False)]
        camel = [a + b.capitalize() for a, b in zip(words[1::2], words[2::2], strict=False)]
        lines = rng.randint(4, 30)
        language = rng.choices(("python", "bash", "javascript", "sql", "yaml"), (70, 10, 10, 5, 5))[0]
        out: list[str] = []
        if language == "python":
            out.append(f"import {rng.choice(('os', 'json', 're', 'asyncio', 'pandas as pd', 'numpy as np'))}")
            out.append("")
            fn = identifier or rng.choice(names)
            out.append(f"def {fn}({rng.choice(names)}, {rng.choice(topic)}=None):")
            for _ in range(lines):
                kind = rng.randrange(6)
                name = rng.choice(names)
                if kind == 0:
                    out.append(
                        f"    # {self.prose(rng.randint(3, 10), topic).replace(chr(10), ' ').rstrip('.?')}"
                    )
                elif kind == 1:
                    out.append(
                        f"    {name} = {rng.choice(camel)}({rng.choice(names)}, {rng.randint(0, 999)})"
                    )
                elif kind == 2:
                    out.append(f"    if {name} > {rng.randint(1, 100)}:")
                    out.append(f"        return {rng.choice(names)}")
                elif kind == 3:
                    out.append(f"    for item in {name}:")
                    out.append(f"        {rng.choice(names)}.append(item.{rng.choice(words)})")
                elif kind == 4:
                    out.append(f'    print(f"{rng.choice(topic)}: {{{name}}}")')
                else:
                    out.append(f"    {name} = {{'{rng.choice(words)}': {rng.choice(names)}}}")
            out.append(f"    return {rng.choice(names)}")
        elif language == "bash":
            for _ in range(lines // 3 + 1):
                out.append(
                    rng.choice(
                        (
                            f"kubectl get pods -n {rng.choice(topic)}",
                            f"kubectl rollout undo deployment/{rng.choice(names)}",
                            f"pip install {rng.choice(words)}",
                            f"docker run --rm -it {rng.choice(words)}:latest",
                            f"export {rng.choice(names).upper()}={rng.randint(1, 9999)}",
                            f"grep -rn '{rng.choice(words)}' ./{rng.choice(topic)}",
                        )
                    )
                )
            if identifier:
                out.append(f"{identifier} --namespace {rng.choice(topic)}")
        elif language == "javascript":
            fn = identifier or rng.choice(camel)
            out.append(f"async function {fn}({rng.choice(camel)}) {{")
            for _ in range(lines // 2 + 1):
                out.append(f"  const {rng.choice(camel)} = await {rng.choice(camel)}('{rng.choice(topic)}');")
            out.append("}")
        elif language == "sql":
            out.append(f"SELECT {', '.join(names[:3])}")
            out.append(f"FROM {identifier or rng.choice(names)}")
            out.append(f"WHERE {names[3]} = '{rng.choice(topic)}'")
            out.append(f"ORDER BY {names[4]} DESC LIMIT {rng.randint(1, 100)};")
        else:
            out.append("apiVersion: apps/v1")
            out.append("kind: Deployment")
            out.append(f"metadata:\n  name: {identifier or rng.choice(names)}")
            out.append(f"spec:\n  replicas: {rng.randint(1, 5)}")
        return language, "\n".join(out)

    # -- the archive ----------------------------------------------------------------------------

    def conversations(self) -> Iterator[bytes]:
        """Yield serialized conversations until the archive holds about `target` messages."""
        stats = self.stats
        dumps_option = 0 if self.children else orjson.OPT_SORT_KEYS
        while stats.messages < self.target:
            remaining = self.target - stats.messages
            size = min(self.lognormal_int(11.5, 1.1, 1, 2000), remaining)
            # Usage grows over the years: more conversations late than early.
            progress = stats.messages / self.target
            start = START + (END - START - 86400 * 7) * progress**0.75 + self.rng.uniform(0, 3600)
            record = self.conversation(size, start)
            blob = orjson.dumps(record, option=dumps_option)
            stats.json_bytes += len(blob)
            yield blob

    def conversation(self, size: int, start: float) -> dict[str, Any]:
        rng, stats = self.rng, self.stats
        era = _ERAS[bisect.bisect_right(_ERA_STARTS, start) - 1]
        conv = _Conversation(era, start, self.children)
        lang = "en"
        if rng.random() < _P_CJK:
            lang = rng.choices(("zh", "ja", "ko"), (5, 3, 2))[0]
        model = rng.choices([m for m, _ in era.models], [w for _, w in era.models])[0]
        topic = self.draw(rng.randint(6, 10))
        topic = [w for w in topic if len(w) > 3] or ["project"]
        topic += rng.sample(_TECH_WORDS, 2)
        self.set_topic(topic)

        gizmo: str | None = None
        gizmo_type: str | None = None
        title: str | None
        if lang == "en":
            title = " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(self._topic_title(topic)))
        else:
            title = "".join(self.draw_cjk(lang, rng.randint(2, 5)))
        roll = rng.random()
        if era.projects and roll < 0.04:
            gizmo, gizmo_type = rng.choice(self.projects), "snorlax"
            stats.project_conversations += 1
        elif era.gpts and roll < 0.07:
            gizmo, name = rng.choice(self.gpts)
            gizmo_type = "gpt"
            title = f"{name}: {title}"
            stats.gpt_conversations += 1
        if rng.random() < 0.02:
            title = None
            stats.null_titles += 1
        voice = era.voice and rng.random() < 0.03

        root = "client-created-root" if era.new_root else self.uuid()
        conv.node(root, None, None, counted=False)
        system = self.uuid()
        conv.node(
            system,
            root,
            self.message(
                system,
                "system",
                None,
                None,
                {"content_type": "text", "parts": [""]},
                {"is_visually_hidden_from_conversation": True},
                end_turn=True,
                weight=0.0,
            ),
            counted=False,
        )
        parent = system
        if era.instructions and rng.random() < _P_INSTRUCTIONS:
            node = self.uuid()
            content = {
                "content_type": "user_editable_context",
                "user_profile": "The user profile below has been provided by the user.\n"
                + self.prose(rng.randint(10, 60), topic),
                "user_instructions": "The user provided these instructions:\n"
                + self.prose(rng.randint(10, 80), topic),
            }
            meta = {"is_visually_hidden_from_conversation": True, "is_user_system_message": True}
            parent = conv.node(node, parent, self.message(node, "user", None, None, content, meta), True)

        state = _Turn(conv=conv, model=model, topic=topic, lang=lang, voice=voice, gizmo=gizmo)
        self.base = stats.messages
        while conv.count < size:
            if conv.count > 1 and rng.random() < _P_EDIT:
                # The original prompt, its answer and maybe a follow-up stay on the old branch;
                # the edited prompt (newer) gets the conversation.
                old = self.response(state, self.user_turn(state, parent))
                for _ in range(rng.choice((0, 0, 1, 2))):
                    old = self.response(state, self.user_turn(state, old))
            user = self.user_turn(state, parent)
            if conv.count >= size and rng.random() < 0.3:
                parent = user  # unanswered: the conversation ends on the prompt
                break
            answer = self.response(state, user)
            if rng.random() < _P_REGENERATE:
                regenerated = self.response(state, user)
                # Usually the newest answer is kept; sometimes the person goes on from the first.
                answer = regenerated if rng.random() < 0.8 else answer
            parent = answer
        current = parent

        on_branch: set[str] = set()
        cursor: str | None = current
        while cursor is not None:
            on_branch.add(cursor)
            cursor = conv.parents[cursor]
        for node_id, message in conv.counted:
            stats.messages += 1
            stats.by_content_type[message["content"]["content_type"]] += 1
            stats.by_visibility[_visibility(message)] += 1
            stats.by_role[message["author"]["role"]] += 1
            if node_id not in on_branch:
                stats.on_alternate_branch += 1
        stats.conversations += 1
        stats.by_era[era.name] += conv.count

        current_node: str | None = current
        if conv.last == current and rng.random() < 0.01:
            current_node = None  # older exports: the newest leaf is the current branch
        first_time = next((m["create_time"] for _, m in conv.counted if m["create_time"]), start)
        return {
            "title": title,
            "create_time": round(first_time - rng.uniform(0.5, 3.0), 6),
            "update_time": round(conv.clock, 6),
            "mapping": conv.mapping,
            "moderation_results": [],
            "current_node": current_node,
            "plugin_ids": None,
            "conversation_id": (conv_id := self.uuid()),
            "conversation_template_id": gizmo if gizmo_type == "snorlax" else None,
            "gizmo_id": gizmo,
            "is_archived": rng.random() < 0.03,
            "safe_urls": [],
            "default_model_slug": model,
            "conversation_origin": None,
            "voice": rng.choice(("cove", "juniper", "breeze", "ember")) if voice else None,
            "gizmo_type": gizmo_type,
            "is_starred": None,
            "async_status": None,
            "disabled_tool_ids": [],
            "is_do_not_remember": False,
            "memory_scope": "global_enabled" if era.memory else None,
            "blocked_urls": [],
            "id": conv_id,
        }

    def _topic_title(self, topic: Sequence[str]) -> list[str]:
        rng = self.rng
        words = [rng.choice(topic), *self.draw(rng.randint(1, 3)), rng.choice(topic)]
        return words[: rng.randint(2, 5)]

    # -- messages -------------------------------------------------------------------------------

    def message(
        self,
        node_id: str,
        role: str,
        name: str | None,
        time_: float | None,
        content: dict[str, Any],
        metadata: dict[str, Any],
        recipient: str = "all",
        channel: str | None = None,
        end_turn: bool | None = None,
        weight: float = 1.0,
    ) -> dict[str, Any]:
        return {
            "id": node_id,
            "author": {"role": role, "name": name, "metadata": {}},
            "create_time": time_,
            "update_time": None,
            "content": content,
            "status": "finished_successfully",
            "end_turn": end_turn,
            "weight": weight,
            "metadata": metadata,
            "recipient": recipient,
            "channel": channel,
        }

    def _user_meta(self, state: _Turn) -> dict[str, Any]:
        state.request = f"{self.rng.getrandbits(64):016x}-{self.rng.choice(('AMS', 'IAD', 'SJC', 'FRA'))}"
        meta: dict[str, Any] = {
            "request_id": state.request,
            "message_source": None,
            "timestamp_": "absolute",
            "message_type": None,
        }
        if state.conv.era.new_root:
            # The bookkeeping newer exports carry on every message: bytes a reader must skip.
            state.exchange = self.uuid()
            meta["turn_exchange_id"] = state.exchange
            meta["selected_github_repos"] = []
            meta["serialization_metadata"] = {"custom_symbol_offsets": []}
            meta["system_hints"] = []
            meta["developer_mode_connector_ids"] = []
        if state.gizmo:
            meta["gizmo_id"] = state.gizmo
        return meta

    def _assistant_meta(self, state: _Turn, parent: str, model: str) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "finish_details": {"type": "stop", "stop_tokens": [200002]},
            "is_complete": True,
            "message_type": None,
            "model_slug": model,
            "default_model_slug": state.model,
            "parent_id": parent,
            "timestamp_": "absolute",
        }
        if state.conv.era.new_root:
            meta["citations"] = []
            meta["content_references"] = []
            meta["request_id"] = state.request
            meta["message_source"] = None
            meta["turn_exchange_id"] = state.exchange
            meta["model_switcher_deny"] = []
        if state.gizmo:
            meta["gizmo_id"] = state.gizmo
        return meta

    def _markers(self, ordinal: int, lang: str, keys: Sequence[str]) -> list[str]:
        """The scheduled marker tokens due for a seen message at this position."""
        tokens: list[str] = []
        for key in keys:
            schedule = self.schedules[key]
            if key == "cjk_word" and lang not in ("zh", "ja"):
                continue
            if key != "cjk_word" and lang != "en":
                continue
            if schedule.due(ordinal):
                schedule.take()
                self.stats.markers[MARKERS[key]] += 1
                tokens.append(MARKERS[key])
        return tokens

    def _asset(self, era: _Era) -> tuple[str, str]:
        """An (asset_pointer, file id) pair in the style of the era."""
        if era.sonic:
            file_id = f"file_{self.rng.getrandbits(128):032x}"
            return f"sediment://{file_id}", file_id
        alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        file_id = "file-" + "".join(self.rng.choice(alnum) for _ in range(22))
        return f"file-service://{file_id}", file_id

    def user_turn(self, state: _Turn, parent: str) -> str:
        rng, conv = self.rng, state.conv
        era = conv.era
        node = self.uuid()
        when = conv.tick(self._pause())
        meta = self._user_meta(state)
        extra = self._markers(
            self.base + conv.count, state.lang, ("rare_word", "uncommon_word", "phrase", "cjk_word")
        )
        n = self.lognormal_int(18 if state.voice else 24, 0.9, 1, 3000)
        text = self.prose(n, state.topic, state.lang, extra)
        if state.lang != "en":
            self.stats.cjk_messages += 1
        content: dict[str, Any]
        roll = rng.random()
        if state.voice:
            pointer, _ = self._asset(era)
            content = {
                "content_type": "multimodal_text",
                "parts": [
                    {
                        "content_type": "audio_transcription",
                        "text": text,
                        "direction": "in",
                        "decoding_id": None,
                    },
                    self._audio(pointer),
                ],
            }
            meta["voice_mode_message"] = True
        elif era.uploads and roll < 0.03:
            pointer, file_id = self._asset(era)
            width, height = rng.choice(((1024, 768), (1536, 2048), (1170, 2532), (800, 600)))
            name = f"IMG_{rng.randint(1000, 9999)}.jpeg"
            size = rng.randint(40_000, 4_000_000)
            content = {
                "content_type": "multimodal_text",
                "parts": [
                    {
                        "content_type": "image_asset_pointer",
                        "asset_pointer": pointer,
                        "size_bytes": size,
                        "width": width,
                        "height": height,
                        "fovea": None,
                        "metadata": {"dalle": None, "sanitized": True},
                    },
                    text,
                ],
            }
            meta["attachments"] = [
                {
                    "id": file_id,
                    "name": name,
                    "size": size,
                    "mime_type": "image/jpeg",
                    "width": width,
                    "height": height,
                }
            ]
            self.assets.append(f"{file_id}-{name}")
        elif era.python and roll < 0.05:
            # A file to read; ~1 in 7 of these has no words at all (a message by its attachment).
            words = self.draw(2)
            ext, mime = rng.choice(
                (
                    ("pdf", "application/pdf"),
                    ("csv", "text/csv"),
                    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                )
            )
            meta["attachments"] = [
                {
                    "id": self._asset(era)[1],
                    "name": f"{words[0]}_{words[1]}.{ext}",
                    "size": rng.randint(2_000, 9_000_000),
                    "mime_type": mime,
                }
            ]
            bare = rng.random() < 0.15 and not extra
            content = {"content_type": "text", "parts": ["" if bare else text]}
        else:
            content = {"content_type": "text", "parts": [text]}
        return conv.node(node, parent, self.message(node, "user", None, when, content, meta), True)

    def _audio(self, pointer: str) -> dict[str, Any]:
        return {
            "content_type": "audio_asset_pointer",
            "asset_pointer": pointer,
            "size_bytes": self.rng.randint(20_000, 900_000),
            "format": "wav",
            "metadata": {"start_timestamp": None, "end_timestamp": None, "start": 0.0, "end": 4.1},
        }

    def _pause(self) -> float:
        """Seconds before the next prompt: usually a minute or two, now and then days later."""
        roll = self.rng.random()
        if roll < 0.03:
            return self.rng.uniform(3600, 86400 * 10)
        return self.rng.lognormvariate(math.log(70), 1.0)

    def response(self, state: _Turn, parent: str) -> str:
        """One assistant turn: tool calls and reasoning as the era and model allow, then the
        answer. Returns the answer's node id."""
        rng, conv = self.rng, state.conv
        era = conv.era
        model = state.model
        if rng.random() < 0.05:  # a turn on another model of the era, as people switch
            model = rng.choices([m for m, _ in era.models], [w for _, w in era.models])[0]
        thinking = model in _THINKING
        channels = era.channels or thinking
        turn = _AnswerContext(model=model, channels=channels)
        if state.voice:
            return self._voice_answer(state, parent, turn)
        if thinking:
            parent = self._thoughts(state, parent, turn)
        roll = rng.random()
        web_share = {"": 0.0, "browser": 0.06, "web": 0.08, "web.run": 0.12}[era.web]
        if model == "gpt-4-browsing":
            web_share = 0.6
        python_share = 0.5 if model == "gpt-4-code-interpreter" else 0.04 if era.python else 0.0
        if roll < web_share:
            parent = self._web(state, parent, turn)
        elif roll < web_share + python_share:
            parent = self._python(state, parent, turn)
        elif era.dalle and roll < web_share + python_share + 0.02:
            parent = self._dalle(state, parent, turn)
            turn.short = True
        elif era.canvas and roll < web_share + python_share + 0.035:
            parent = self._canvas(state, parent, turn)
            turn.short = True
        elif era.memory and roll < web_share + python_share + 0.05:
            parent = self._memory(state, parent, turn)
        elif era.agent and roll < web_share + python_share + 0.055:
            parent = self._agent(state, parent, turn)
        if thinking:
            parent = self._recap(state, parent, turn)
        return self._answer(state, parent, turn)

    def _assistant(
        self,
        state: _Turn,
        parent: str,
        turn: _AnswerContext,
        seconds: float,
        content: dict[str, Any],
        counted: bool = True,
        recipient: str = "all",
        channel: str | None = None,
        end_turn: bool = False,
        meta_extra: dict[str, Any] | None = None,
    ) -> str:
        conv = state.conv
        node = self.uuid()
        meta = self._assistant_meta(state, parent, turn.model)
        if meta_extra:
            meta.update(meta_extra)
        message = self.message(
            node, "assistant", None, conv.tick(seconds), content, meta, recipient, channel, end_turn
        )
        return conv.node(node, parent, message, counted)

    def _tool(
        self,
        state: _Turn,
        parent: str,
        name: str,
        seconds: float,
        content: dict[str, Any],
        metadata: dict[str, Any],
        counted: bool = True,
    ) -> str:
        conv = state.conv
        node = self.uuid()
        message = self.message(node, "tool", name, conv.tick(seconds), content, metadata)
        return conv.node(node, parent, message, counted)

    def _thoughts(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        turn.thinking_started = state.conv.clock
        thoughts = [
            {
                "summary": self._title_words(rng.randint(2, 5)),
                "content": self.prose(rng.randint(20, 140), state.topic),
                "chunks": [],
                "finished": True,
            }
            for _ in range(rng.randint(1, 4))
        ]
        parent = self._assistant(
            state,
            parent,
            turn,
            rng.uniform(1, 4),
            {"content_type": "thoughts", "thoughts": thoughts, "source_analysis_msg_id": self.uuid()},
            meta_extra={"reasoning_status": "is_reasoning"},
        )
        if rng.random() < 0.3:
            content = {"content_type": "text", "parts": [self.prose(rng.randint(8, 40), state.topic)]}
            parent = self._assistant(state, parent, turn, rng.uniform(1, 5), content, channel="analysis")
        return parent

    def _recap(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        seconds = self.rng.uniform(2, 50)
        took = state.conv.clock + seconds - turn.thinking_started
        recap = (
            f"Thought for {round(took)} seconds"
            if took < 60
            else f"Thought for {int(took // 60)}m {round(took % 60)}s"
        )
        return self._assistant(
            state,
            parent,
            turn,
            seconds,
            {"content_type": "reasoning_recap", "content": recap},
            meta_extra={"reasoning_status": "reasoning_ended"},
        )

    def _page(self) -> tuple[str, str, str]:
        """(title, domain, url) of an invented web page."""
        rng = self.rng
        words = self.draw(3)
        domain = f"{rng.choice(words)}.{rng.choice(('com', 'org', 'io', 'dev', 'net', 'example.com'))}"
        return self._title_words(rng.randint(3, 6)), domain, f"https://{domain}/{words[0]}-{words[1]}"

    def _web(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng, era = self.rng, state.conv.era
        query = " ".join(self.draw(rng.randint(2, 6)))
        pages = [self._page() for _ in range(rng.randint(1, 3))]
        turn.citations = pages
        if era.web == "browser":
            turn.bracket = True
            code = {"content_type": "code", "language": "unknown", "text": f'search("{query}")'}
            parent = self._assistant(state, parent, turn, rng.uniform(1, 4), code, recipient="browser")
            result = "\n".join(
                f"# 【{i}†{title}†{domain}】\n{self.prose(rng.randint(15, 60), state.topic)}"
                for i, (title, domain, _) in enumerate(pages)
            )
            content = {
                "content_type": "tether_browsing_display",
                "result": result,
                "summary": "",
                "assets": None,
                "tether_id": None,
            }
            parent = self._tool(state, parent, "browser", rng.uniform(2, 9), content, {"command": "search"})
            if rng.random() < 0.4:
                code = {"content_type": "code", "language": "unknown", "text": "mclick([0, 1])"}
                parent = self._assistant(state, parent, turn, rng.uniform(1, 3), code, recipient="browser")
                title, domain, url = pages[0]
                content = {
                    "content_type": "tether_quote",
                    "url": url,
                    "domain": domain,
                    "text": self.prose(rng.randint(40, 200), state.topic),
                    "title": title,
                    "tether_id": None,
                }
                parent = self._tool(
                    state, parent, "browser", rng.uniform(2, 9), content, {"command": "mclick"}
                )
            return parent
        channel = "commentary" if turn.channels else None
        code = {
            "content_type": "code",
            "language": "unknown",
            "response_format_name": None,
            "text": orjson.dumps({"search_query": [{"q": query}], "response_length": "short"}).decode(),
        }
        parent = self._assistant(
            state, parent, turn, rng.uniform(1, 4), code, recipient=era.web, channel=channel
        )
        if era.sonic:
            for index, (title, domain, url) in enumerate(pages):
                content = {
                    "content_type": "sonic_webpage",
                    "crawl_date": None,
                    "domain": domain,
                    "pub_date": None,
                    "ref_id": {"ref_index": index, "ref_type": "search", "turn_index": 0},
                    "snippet": None,
                    "text": self.prose(rng.randint(30, 160), state.topic),
                    "title": title,
                    "url": url,
                }
                parent = self._tool(state, parent, era.web, rng.uniform(1, 5), content, {"is_complete": True})
        elif rng.random() < 0.5:
            # Results only in metadata: the tool node has no text and is not a message.
            groups = [
                {"type": "search_result_group", "domain": domain, "entries": [{"title": title, "url": url}]}
                for title, domain, url in pages
            ]
            content = {"content_type": "text", "parts": [""]}
            meta = {"search_result_groups": groups, "is_visually_hidden_from_conversation": False}
            parent = self._tool(state, parent, era.web, rng.uniform(1, 5), content, meta, counted=False)
        else:
            result = "\n".join(
                f"【{i}†{title}†{domain}】\n{self.prose(rng.randint(15, 60), state.topic)}"
                for i, (title, domain, _) in enumerate(pages)
            )
            content = {
                "content_type": "tether_browsing_display",
                "result": result,
                "summary": "",
                "assets": None,
                "tether_id": None,
            }
            parent = self._tool(state, parent, era.web, rng.uniform(1, 5), content, {"command": "search"})
        return parent

    def _python(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        _, source = self.code(state.topic, None)
        code = {"content_type": "code", "language": "python", "response_format_name": None, "text": source}
        channel = "commentary" if turn.channels else None
        parent = self._assistant(
            state, parent, turn, rng.uniform(2, 8), code, recipient="python", channel=channel
        )
        output_kind = rng.randrange(3)
        if output_kind == 0:
            output = ", ".join(str(round(rng.uniform(0, 1000), 2)) for _ in range(rng.randint(1, 12)))
        elif output_kind == 1:
            output = "\n".join(
                f"{i}  {' '.join(self.draw(2))}  {rng.randint(0, 99999)}" for i in range(rng.randint(2, 10))
            )
        else:
            words = self.draw(3)
            output = (
                "Traceback (most recent call last):\n"
                f'  File "<stdin>", line {rng.randint(1, 40)}\n'
                f"KeyError: '{words[0]}_{words[1]}'"
            )
        content = {"content_type": "execution_output", "text": output}
        return self._tool(state, parent, "python", rng.uniform(1, 6), content, {"is_complete": True})

    def _dalle(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        prompt = self.prose(rng.randint(15, 50), state.topic)
        code = {
            "content_type": "code",
            "language": "json",
            "response_format_name": None,
            "text": orjson.dumps({"prompt": prompt, "size": "1024x1024"}).decode(),
        }
        parent = self._assistant(state, parent, turn, rng.uniform(1, 4), code, recipient="dalle.text2im")
        pointer, file_id = self._asset(state.conv.era)
        self.assets.append(f"{file_id}-dalle.webp")
        part = {
            "content_type": "image_asset_pointer",
            "asset_pointer": pointer,
            "size_bytes": rng.randint(200_000, 600_000),
            "width": 1024,
            "height": 1024,
            "fovea": 512,
            "metadata": {
                "dalle": {
                    "gen_id": f"{rng.getrandbits(64):016x}",
                    "prompt": prompt,
                    "seed": rng.getrandbits(31),
                }
            },
        }
        content = {"content_type": "multimodal_text", "parts": [part]}
        return self._tool(state, parent, "dalle.text2im", rng.uniform(10, 30), content, {})

    def _canvas(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        words = self.draw(2)
        name = f"{words[0]}_{words[1]}"
        body = self.prose(rng.randint(60, 300), state.topic)
        code = {
            "content_type": "code",
            "language": "json",
            "response_format_name": None,
            "text": orjson.dumps({"name": name, "type": "document", "content": body}).decode(),
        }
        parent = self._assistant(
            state, parent, turn, rng.uniform(3, 20), code, recipient="canmore.create_textdoc"
        )
        doc_id = f"{rng.getrandbits(64):016x}"
        text = (
            f"Successfully created text document '{name}' which will be referenced in all future messages "
            f"with the unique identifier textdoc_id: '{doc_id}'"
        )
        meta = {"canvas": {"textdoc_id": doc_id, "textdoc_type": "document", "version": 1}}
        return self._tool(
            state, parent, "canmore.create_textdoc", 1.0, {"content_type": "text", "parts": [text]}, meta
        )

    def _memory(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        fact = "User " + self.prose(rng.randint(6, 25), state.topic)
        code = {"content_type": "code", "language": "unknown", "response_format_name": None, "text": fact}
        parent = self._assistant(state, parent, turn, rng.uniform(1, 3), code, recipient="bio")
        content = {"content_type": "text", "parts": ["Model set context updated."]}
        meta = {"is_visually_hidden_from_conversation": True}
        return self._tool(state, parent, "bio", 0.5, content, meta)

    def _agent(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        note = {"content_type": "text", "parts": [self.prose(rng.randint(6, 20), state.topic)]}
        parent = self._assistant(state, parent, turn, rng.uniform(1, 4), note, channel="commentary")
        for _ in range(rng.randint(1, 3)):
            action = {
                "action": rng.choice(("click", "type", "scroll")),
                "x": rng.randint(0, 1280),
                "y": rng.randint(0, 800),
            }
            code = {
                "content_type": "code",
                "language": "unknown",
                "response_format_name": None,
                "text": orjson.dumps(action).decode(),
            }
            parent = self._assistant(
                state, parent, turn, rng.uniform(1, 4), code, recipient="computer.do", channel="commentary"
            )
            pointer, file_id = self._asset(state.conv.era)
            self.assets.append(f"{file_id}-screenshot.png")
            title, _, url = self._page()
            content = {
                "computer_id": "cu-0001",
                "content_type": "computer_output",
                "is_ephemeral": False,
                "screenshot": {
                    "asset_pointer": pointer,
                    "content_type": "image_asset_pointer",
                    "fovea": None,
                    "height": 800,
                    "metadata": None,
                    "size_bytes": rng.randint(50_000, 300_000),
                    "width": 1280,
                },
                "state": {
                    "id": f"st-{rng.randint(1, 999)}",
                    "title": title,
                    "type": "browser_state",
                    "url": url,
                },
                "tether_id": None,
            }
            parent = self._tool(state, parent, "computer", rng.uniform(2, 8), content, {"is_complete": True})
        return parent

    def _voice_answer(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        rng = self.rng
        extra = self._markers(
            self.base + state.conv.count, state.lang, ("rare_word", "uncommon_word", "phrase", "cjk_word")
        )
        text = self.prose(self.lognormal_int(60, 0.6, 3, 600), state.topic, state.lang, extra)
        if state.lang != "en":
            self.stats.cjk_messages += 1
        pointer, _ = self._asset(state.conv.era)
        content = {
            "content_type": "multimodal_text",
            "parts": [
                {
                    "content_type": "audio_transcription",
                    "text": text,
                    "direction": "out",
                    "decoding_id": None,
                },
                self._audio(pointer),
            ],
        }
        meta = {"voice_mode_message": True, "real_time_audio_has_video": False}
        channel = "final" if turn.channels else None
        return self._assistant(
            state, parent, turn, rng.uniform(1, 6), content, channel=channel, end_turn=True, meta_extra=meta
        )

    def _answer(self, state: _Turn, parent: str, turn: _AnswerContext) -> str:
        """The answer people read: prose, sometimes a list and a fenced code block, with the
        citation markers of the era when the turn searched the web."""
        rng, stats = self.rng, self.stats
        position = self.base + state.conv.count
        extra = self._markers(position, state.lang, ("rare_word", "uncommon_word", "phrase", "cjk_word"))
        n = self.lognormal_int(70, 0.8, 3, 1500) if turn.short else self.lognormal_int(270, 0.7, 3, 4000)
        with_code = rng.random() < _P_CODE_BLOCK
        pieces: list[str] = []
        if with_code or n < 120 or rng.random() < 0.55:
            pieces.append(self.prose(n, state.topic, state.lang, extra))
        else:
            # A structured answer: intro, a heading and a list, closing paragraph.
            intro = n // 4
            pieces.append(self.prose(intro, state.topic, state.lang, extra))
            heading = "### " + " ".join(w.capitalize() for w in self._topic_title(state.topic))
            items = rng.randint(3, 7)
            per_item = max(5, (n - 2 * intro) // items)
            bullets = "\n".join(
                f"{i}. **{self._title_words(rng.randint(1, 3))}**: "
                + self.prose(per_item, state.topic, state.lang)
                for i in range(1, items + 1)
            )
            pieces.extend((heading, bullets, self.prose(intro, state.topic, state.lang)))
        stats.answers += 1
        if with_code:
            stats.answers_with_code += 1
            identifier = None
            schedule = self.schedules["identifier"]
            if schedule.due(position):
                schedule.take()
                identifier = MARKERS["identifier"]
                stats.markers[identifier] += 1
            language, source = self.code(state.topic, identifier)
            # The code goes after the first paragraph, then the explanation continues.
            first, _, rest = pieces[0].partition("\n\n")
            pieces[0] = f"{first}\n\n```{language}\n{source}\n```" + (f"\n\n{rest}" if rest else "")
        text = "\n\n".join(pieces)
        meta_extra: dict[str, Any] = {}
        if turn.citations:
            text, meta_extra = self._cite(text, turn)
        if state.lang != "en":
            stats.cjk_messages += 1
        content = {"content_type": "text", "parts": [text]}
        channel = "final" if turn.channels else None
        seconds = rng.uniform(2, 25) if not turn.short else rng.uniform(1, 5)
        return self._assistant(
            state, parent, turn, seconds, content, channel=channel, end_turn=True, meta_extra=meta_extra
        )

    def _cite(self, text: str, turn: _AnswerContext) -> tuple[str, dict[str, Any]]:
        """Citation markers after sentence ends, in the era's style, and the metadata that
        describes the first one."""
        rng = self.rng
        title, domain, url = turn.citations[0]
        if turn.bracket:
            marker = f"【{rng.randrange(len(turn.citations))}†{title}†{domain}】"
            text = text.replace(". ", f"{marker}. ", 1)
            start = text.find(marker)
            meta = {
                "citations": [
                    {
                        "start_ix": start,
                        "end_ix": start + len(marker),
                        "citation_format_type": "tether_og",
                        "metadata": {
                            "type": "webpage",
                            "title": title,
                            "url": url,
                            "text": "",
                            "pub_date": None,
                        },
                    }
                ]
            }
            return text, meta
        kind = "fetch" if turn.model.startswith("gpt-5") and rng.random() < 0.3 else "search"
        first = ""
        for _ in range(rng.randint(1, 4)):
            refs = "\ue202".join(
                f"turn0{kind}{rng.randrange(len(turn.citations) + 5)}" for _ in range(rng.choice((1, 1, 2)))
            )
            marker = f"\ue200cite\ue202{refs}\ue201"
            first = first or marker
            text = text.replace(". ", f".{marker} ", 1)
        meta = {
            "content_references": [
                {"matched_text": first, "type": "grouped_webpages", "items": [{"title": title, "url": url}]}
            ]
        }
        return text, meta


@dataclass(slots=True)
class _Turn:
    """What stays the same across a conversation's turns."""

    conv: _Conversation
    model: str
    topic: list[str]
    lang: str
    voice: bool
    gizmo: str | None
    request: str = ""  # the current prompt's request id, which its answers repeat
    exchange: str = ""  # the current prompt's turn_exchange_id


@dataclass(slots=True)
class _AnswerContext:
    """What one assistant turn has done so far, which shapes its answer."""

    model: str
    channels: bool
    short: bool = False
    bracket: bool = False
    citations: list[tuple[str, str, str]] = field(default_factory=list)
    thinking_started: float = 0.0


# ---------------------------------------------------------------------------------------------
# Public API


def generate(
    path: Path, messages: int, seed: int = 0, fmt: str = "zip", shard_size_mb: int = 100
) -> dict[str, Any]:
    """Write an export of about `messages` messages to `path` and return its stats."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if messages < 0:
        raise ValueError("messages must be 0 or more")
    if shard_size_mb <= 0:
        raise ValueError("shard_size_mb must be positive")
    path = Path(path)
    generator = _Generator(messages, seed, children=fmt != "shards")
    user = orjson.dumps(
        {
            "id": generator.user_id,
            "email": f"bench-{seed}@example.com",
            "chatgpt_plus_user": True,
            "birth_year": None,
            "phone_number": None,
        }
    )
    members: list[tuple[str, int]]
    if fmt == "json":
        with path.open("wb") as handle:
            writer = _ArrayWriter(lambda _name: _Unclosable(handle), iter(["conversations.json"]), None)
            members = _write_all(writer, generator)
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:

            def open_member(name: str) -> _Writable:
                return archive.open(_zip_info(name), "w", force_zip64=True)

            if fmt == "zip":
                writer = _ArrayWriter(open_member, iter(["conversations.json"]), None)
                members = _write_all(writer, generator)
                archive.writestr(_zip_info("user.json"), user)
            else:
                names = (f"conversations-{number:03d}.json" for number in range(1_000_000))
                writer = _ArrayWriter(open_member, names, shard_size_mb * _MIB)
                members = _write_all(writer, generator)
                manifest = [{"path": name, "size_bytes": size} for name, size in members]
                archive.writestr(
                    _zip_info("export_manifest.json"), orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
                )
                archive.writestr(
                    _zip_info("conversation_asset_file_names.json"),
                    orjson.dumps(generator.assets, option=orjson.OPT_INDENT_2),
                )
                archive.writestr(_zip_info("user.json"), user)
    return _report(generator, fmt, seed, path, members)


class _Unclosable:
    """The bare-JSON output file, which the `with` around it closes, not the array writer."""

    def __init__(self, handle: _Writable) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        return self._handle.write(data)

    def close(self) -> None:
        pass


def _write_all(writer: _ArrayWriter, generator: _Generator) -> list[tuple[str, int]]:
    try:
        for blob in generator.conversations():
            writer.add(blob)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return writer.members


def _report(
    generator: _Generator, fmt: str, seed: int, path: Path, members: list[tuple[str, int]]
) -> dict[str, Any]:
    stats = generator.stats
    messages = stats.messages
    return {
        "format": fmt,
        "seed": seed,
        "messages_requested": generator.target,
        "conversations": stats.conversations,
        "messages": messages,
        "on_current_branch": messages - stats.on_alternate_branch,
        "on_alternate_branch": stats.on_alternate_branch,
        "alternate_share": round(stats.on_alternate_branch / messages, 4) if messages else 0.0,
        "cjk_messages": stats.cjk_messages,
        "answers": stats.answers,
        "answers_with_code": stats.answers_with_code,
        "null_titles": stats.null_titles,
        "gpt_conversations": stats.gpt_conversations,
        "project_conversations": stats.project_conversations,
        "by_content_type": dict(sorted(stats.by_content_type.items())),
        "by_visibility": dict(sorted(stats.by_visibility.items())),
        "by_role": dict(sorted(stats.by_role.items())),
        "by_era": {era.name: stats.by_era[era.name] for era in _ERAS if stats.by_era[era.name]},
        "markers": {MARKERS[key]: stats.markers[MARKERS[key]] for key in MARKER_RATES},
        "json_bytes": stats.json_bytes,
        "members": [{"path": name, "size_bytes": size} for name, size in members],
        "bytes": path.stat().st_size,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, required=True, help="about how many messages to write")
    parser.add_argument("--seed", type=int, default=0, help="the same seed and size give the same bytes")
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--format", choices=FORMATS, default="zip", dest="fmt")
    parser.add_argument(
        "--shard-size-mb", type=int, default=100, help="largest shard, in MiB (shards format)"
    )
    args = parser.parse_args(argv)
    if args.messages < 0 or args.shard_size_mb <= 0:
        parser.error("--messages must be 0 or more and --shard-size-mb positive")
    started = time.perf_counter()
    stats = generate(args.out, args.messages, args.seed, args.fmt, args.shard_size_mb)
    sys.stdout.write(orjson.dumps(stats, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stderr.write(
        f"wrote {args.out} ({stats['bytes']:,} bytes) in {time.perf_counter() - started:.1f} s\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
