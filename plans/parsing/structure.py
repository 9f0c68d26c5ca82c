"""Headings, numbering, actions and tasks.

The paragraphs are arranged in a tree by their numbering labels. Depth is not fixed per
label style: a style seen for the first time nests under the current heading, and a
style already open closes everything below it and becomes a sibling. This follows
一、>（一）>1.>（1） as well as plans that skip or reorder levels.

Actions are the numbered sections under a 重点任务 / 重点行动 / 主要任务 chapter; a plan
without such a chapter has its actions at the top level, between 总体要求 / 主要目标 and
保障措施 / 组织实施. Tasks are the numbered items of an action; an action written as
one paragraph is a single unlabelled task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .agencies import Clause, find_clauses
from .labels import Label, find_label, label_as_written
from .textmap import Text

# A 专栏 (project box): "专栏1 重点工程", "【专栏一】…", "(专栏2)…".
BOX_START = re.compile(r"\s*[\[【(]?\s*专栏")
# The end of the plan body: distribution list, printing note, appendices, and the
# footer of the web page the text was copied from.
BODY_END = re.compile(
    r"\s*(?:(?:抄送|抄报|主送)\s*[:：]?|附件\s*[:：\d一二三四五六七八九十]|.{0,20}\d{1,2}日印发\s*$"
    r"|相关附件|附件下载|扫一扫|分享到|【\s*打印|打印本页|关闭窗口|网站标识码|版权所有|主办单位\s*[:：]|[京湘粤浙苏沪]ICP备)"
)

# Chapters that hold the actions.
CONTAINER = re.compile(
    r"(?:重点|主要|核心)(?:任务|行动|工作|举措|工程)|工作任务|任务(?:安排|分工|清单|举措|措施)"
    r"|[一二三四五六七八九十]大(?:行动|工程|任务)|具体(?:任务|措施|举措)"
)
# Chapters before the actions: orientation and targets, never actions.
NON_ACTION = re.compile(
    r"^(?:总体要求|指导思想|基本原则|工作原则|总体思路|编制依据|适用范围|重要意义|"
    r"发展基础|发展现状|基本情况|工作基础|现状|形势|背景)|目标$|^(?:主要|工作|发展|总体|行动)目标"
)
# Chapters after the actions: how the plan is carried out, never actions.
AFTER = re.compile(
    r"保障措施|政策保障|保障机制|组织实施|组织领导|组织保障|推进机制|工作机制|工作要求|实施保障|"
    r"监督考核|考核评估|评估考核|附则|工作步骤|实施步骤|进度安排|时间安排|资金保障|督查督办|"
    r"有关要求|工作保障|实施要求|强化保障|加强保障|保障体系"
)
GOAL = re.compile(r"目标")


@dataclass
class Node:
    label: Label | None
    para: int  # index of the heading paragraph; -1 for the root
    title: str = ""
    label_text: str | None = None
    end: int = -1  # first paragraph after this node's subtree
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None

    @property
    def kind(self) -> str | None:
        return self.label.kind if self.label else None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class TaskPart:
    label: str | None
    title: str
    first: int  # paragraph range [first, end)
    end: int
    node: Node | None


@dataclass
class ActionPart:
    node: Node
    tasks: list[TaskPart]


@dataclass
class Outline:
    paras: list[Text]
    root: Node
    box_paras: set[int]
    body_end: int
    actions: list[ActionPart]
    goal_nodes: list[Node]
    container: list[Node]


def heading_title(para: Text, label: Label | None, bold: set[int], clauses: list[Clause]) -> str:
    """The heading sentence: up to the end of a bold run, the first 。, or a short
    "title：" prefix; without the label, an agency clause and closing punctuation."""
    s = para.s
    start = label.end if label else 0
    while start < len(s) and s[start] in " \t":
        start += 1
    for clause in clauses:
        # "1.【县发改局牵头】推进……": agencies before the heading sentence.
        if clause.start <= start < clause.end:
            start = clause.end
            while start < len(s) and s[start] in " \t":
                start += 1
    end = len(s)
    bold_open = start < len(s) and (
        para.pos[start] in bold or (label is not None and para.pos[label.start] in bold)
    )
    if bold_open:
        for j in range(start + 1, min(len(s), start + 120)):
            if para.pos[j] in bold:
                end = j
                break
    stop = re.compile(r"[。!?！？]").search(s, start)
    if stop and stop.start() < end:
        end = stop.start()
    colon = re.search(r":", s[start:end])
    if colon and colon.start() <= 30 and not re.search(r"[,，;；、]", s[start : start + colon.start()]):
        end = start + colon.start()
    for clause in clauses:
        if start <= clause.start < end:
            end = clause.start
            break
    title = para.d[start:end].strip()
    title = re.sub(r"^[*#\s]+|[*#\s]+$", "", title)
    return title.rstrip("。．.，,；;：: \t").strip()


def _build_tree(paras: list[Text]) -> tuple[Node, set[int], int]:
    root = Node(label=None, para=-1)
    stack = [root]
    box_paras: set[int] = set()
    box_owner: Node | None = None
    box_item_number: int | None = None
    body_end = len(paras)
    started = False

    for i, para in enumerate(paras):
        s = para.s
        if started and BODY_END.match(s):
            body_end = i
            break
        if started and BOX_START.match(s):
            box_owner, box_item_number = stack[-1], None
            box_paras.add(i)
            continue
        label = find_label(s)
        if box_owner is not None:
            in_box = True
            if label is not None:
                kinds = [n.kind for n in stack]
                owner_at = stack.index(box_owner) if box_owner in stack else len(stack) - 1
                if label.kind in kinds:
                    at = kinds.index(label.kind)
                    if at < owner_at:
                        in_box = False
                    elif at == owner_at:
                        # Project items may use the task numbering again: "1." after
                        # task 3 belongs to the box, "4." after task 3 ends it.
                        if box_item_number is not None and label.number == box_item_number + 1:
                            in_box = True
                        elif box_owner.label is not None and label.number == box_owner.label.number + 1:
                            in_box = False
                    if in_box and at == owner_at:
                        box_item_number = label.number
            if in_box:
                box_paras.add(i)
                continue
            box_owner = None
        if label is None:
            continue
        started = True
        kinds = [n.kind for n in stack]
        if label.kind in kinds:
            at = kinds.index(label.kind)
            for node in stack[at:]:
                node.end = i
            del stack[at:]
        parent = stack[-1]
        node = Node(label=label, para=i, parent=parent, label_text=label_as_written(para.d, label))
        parent.children.append(node)
        stack.append(node)
    for node in stack[1:]:
        node.end = body_end
    root.end = body_end
    return root, box_paras, body_end


def _pick_actions(root: Node) -> tuple[list[Node], list[Node]]:
    """(containers, action nodes)."""
    containers: list[Node] = []
    for depth_nodes in _levels(root):
        containers = [
            n for n in depth_nodes if n.children and CONTAINER.search(n.title) and not AFTER.search(n.title)
        ]
        if containers:
            break
    if containers:
        actions = [
            child
            for c in containers
            for child in c.children
            if not NON_ACTION.search(child.title) and not AFTER.search(child.title)
        ]
        if actions:
            return containers, actions
    level = root
    while len(level.children) == 1 and level.children[0].children:
        level = level.children[0]
    actions = []
    for child in level.children:
        if AFTER.search(child.title):
            if actions:
                break
            continue
        if NON_ACTION.search(child.title):
            continue
        actions.append(child)
    return [], actions


def _levels(root: Node):
    level = root.children
    while level:
        yield level
        level = [c for n in level for c in n.children]


def _unnumbered_tasks(
    node: Node, paras: list[Text], bold: set[int], box_paras: set[int], clauses: list[list[Clause]]
) -> list[TaskPart]:
    """An action without numbered tasks is one task, unless its body is several
    paragraphs that each end with their own agency clause: then each such paragraph
    (with any paragraphs before it) is a task of its own."""
    body = [i for i in range(node.para + 1, node.end) if i not in box_paras]
    closing = [i for i in body if clauses[i] and clauses[i][-1].end >= len(paras[i].s.rstrip()) - 1]
    owned = [i for i in closing if clauses[i][-1].start > 0]  # not a bare "（…牵头）" line
    if len(owned) < 2:
        led = [i for i in body if _bold_led(paras[i], bold)]
        if len(led) >= 2:
            # "**推进xx。**……" paragraphs: each bold opening is a task heading. The
            # paragraphs before the first one introduce the action.
            return [
                TaskPart(None, heading_title(paras[i], None, bold, clauses[i]), i, nxt, None)
                for i, nxt in zip(led, [*led[1:], node.end], strict=True)
            ]
        return [TaskPart(None, node.title, node.para, node.end, None)]
    tasks, start = [], node.para + 1
    for n, i in enumerate(closing):
        end = node.end if n == len(closing) - 1 else i + 1
        tasks.append(
            TaskPart(None, heading_title(paras[start], None, bold, clauses[start]), start, end, None)
        )
        start = i + 1
    tasks[0] = TaskPart(None, tasks[0].title, node.para, tasks[0].end, None)
    return tasks


def _bold_led(para: Text, bold: set[int]) -> bool:
    """A paragraph that opens with a bold heading sentence followed by plain text."""
    if not para.pos or para.pos[0] not in bold:
        return False
    close = next((j for j in range(1, min(len(para.s), 80)) if para.pos[j] in bold), None)
    return close is not None and close < len(para.s.rstrip()) - 1


def outline(paras: list[Text], bold: set[int], clauses: list[list[Clause]] | None = None) -> Outline:
    root, box_paras, body_end = _build_tree(paras)
    if clauses is None:
        clauses = [find_clauses(p) for p in paras]
    for node in root.walk():
        if node.label is not None:
            para = paras[node.para]
            node.title = heading_title(para, node.label, bold, clauses[node.para])
            if node.kind == "shi":
                # "一是加强宣传教育，组织……；": the task is named by its first phrase.
                node.title = re.split(r"[,，;；]", node.title)[0]
    containers, action_nodes = _pick_actions(root)

    actions = []
    for node in action_nodes:
        if node.children:
            tasks = [TaskPart(c.label_text, c.title, c.para, c.end, c) for c in node.children]
        else:
            tasks = _unnumbered_tasks(node, paras, bold, box_paras, clauses)
        actions.append(ActionPart(node, tasks))

    inside = {id(n) for a in action_nodes for n in a.walk()}
    goal_nodes = []
    for node in root.walk():
        if node.label is None or id(node) in inside or not GOAL.search(node.title) or len(node.title) > 20:
            continue
        if any(node_is_under(node, g) for g in goal_nodes):
            continue
        goal_nodes.append(node)
    return Outline(paras, root, box_paras, body_end, actions, goal_nodes, containers)


def node_is_under(node: Node, ancestor: Node) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


# "一是……；二是……" inside a paragraph: the enumeration words at a sentence start.
_SHI = re.compile(
    r"(?:(?<=^)|(?<=[。；;！!？?：:]))\s*(?P<n>[一二三四五六七八九十]{1,2})是(?=[\u4e00-\u9fff“\"《(])"
)


def split_enumerations(paras: list[Text], ol: Outline) -> list[Text] | None:
    """An action written as paragraphs that enumerate its tasks "一是……二是……": each
    enumerated part becomes a paragraph of its own, so that it is read as a task
    (label "一是"). Parts of numbered tasks stay inside their task. None when no action
    is written this way."""
    from .labels import cn_to_int

    cuts: dict[int, list[int]] = {}
    for part in ol.actions:
        node = part.node
        if node.children or len(part.tasks) != 1:
            continue
        found: list[tuple[int, int]] = []
        for i in range(node.para, node.end):
            if i in ol.box_paras:
                continue
            found += [(i, m.start("n")) for m in _SHI.finditer(paras[i].s)]
        numbers = [cn_to_int(paras[i].s[at : at + 2].rstrip("是")) for i, at in found]
        if len(found) < 2 or numbers != list(range(1, len(found) + 1)):
            continue
        for i, at in found:
            cuts.setdefault(i, []).append(at)
    if not cuts:
        return None
    out: list[Text] = []
    for i, para in enumerate(paras):
        points = [0, *[at for at in cuts.get(i, []) if at > 0], len(para.s)]
        for a, b in zip(points, points[1:], strict=False):
            piece = para[a:b].strip()
            if piece:
                out.append(piece)
    return out
