"""copy.deepcopy and pickle of Values, Parameters, Modules and optimizers lose nothing.

Each test checks a copy against its original bit for bit: the numbers, the gradients a backward
pass gives on the copy, and that the copy shares nothing mutable with the original.
"""

import copy
import gc
import math
import pickle
import sys

import pytest

import minigrad as mg
from minigrad.backprop import topological_order

# A user's op and a Function at module level: pickle stores them by name.
softplus_op = mg.Op(
    "softplus_op",
    forward=lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    backward=lambda m, g, out, x: (g * m.sigmoid(x),),
)


class Softplus(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.note = "kept"
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad * mg.sigmoid(x)


def pickled(obj, protocol=pickle.HIGHEST_PROTOCOL):
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


COPIES = [pytest.param(copy.deepcopy, id="deepcopy"), pytest.param(pickled, id="pickle")]


def leaves_of(root):
    return [n for n in topological_order(root) if n.op is None]


def same_float(a, b):
    if math.isnan(a):
        return math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def chain(n, x):
    """n ops deep, mixing a unary op, a Value·float and a Value+Value."""
    y = x
    for i in range(n):
        if i % 3 == 0:
            y = mg.tanh(y)
        elif i % 3 == 1:
            y = y * 1.0000001
        else:
            y = y + x * 1e-6
    return y


@pytest.mark.parametrize("make_copy", COPIES)
def test_a_chain_deeper_than_the_recursion_limit_copies_and_gives_the_same_gradient(make_copy):
    n = 100_000
    assert n > 10 * sys.getrecursionlimit()
    x = mg.Parameter(0.75, name="x")
    y = chain(n, x)
    y2 = make_copy(y)
    assert y2 is not y and y2.data == y.data
    (x2,) = leaves_of(y2)
    assert x2 is not x and x2.name == "x" and x2.grad is None
    y.backward()
    y2.backward()
    assert x2.grad == x.grad  # bit for bit
    x2.data = 5.0  # the copy is independent
    assert x.data == 0.75


@pytest.mark.parametrize("make_copy", COPIES)
@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_every_builtin_op_in_a_graph_round_trips(make_copy, protocol):
    if make_copy is pickled:
        make_copy = lambda v: pickled(v, protocol)  # noqa: E731
    a, b = mg.Parameter(0.3, name="a"), mg.Parameter(1.7, name="b")
    terms = [
        mg.exp(a),
        mg.log(b),
        mg.sin(a) * mg.cos(b),
        mg.tanh(a) + mg.sigmoid(b) + mg.relu(a - b) + mg.atan(b),
        mg.sqrt(b) / a,
        mg.abs(a - b) + mg.sign(a) + mg.maximum(a, b) + mg.minimum(a, b),
        mg.clamp(a, 0.0, 1.0) + mg.clamp(b, lo=2.0) + mg.clamp(a, hi=0.1),
        a**b + b**2 - (-a),
    ]
    loss = terms[0]
    for t in terms[1:]:
        loss = loss + t
    loss2 = make_copy(loss)
    a2, b2 = sorted(leaves_of(loss2), key=lambda p: p.name)
    loss.backward()
    loss2.backward()
    assert loss2.data == loss.data
    assert (a2.grad, b2.grad) == (a.grad, b.grad)
    original = [n.op for n in topological_order(loss) if n.op is not None]
    copied = [n.op for n in topological_order(loss2) if n.op is not None]
    assert copied == original  # the built-in Op objects themselves, by identity


def test_a_builtin_op_pickles_to_itself():
    for op in mg.ops.REGISTRY.values():
        assert pickled(op) is op
        assert copy.deepcopy(op) is op


@pytest.mark.parametrize("make_copy", COPIES)
def test_an_inner_node_copies_with_its_graph(make_copy):
    a, b = mg.Parameter(2.0), mg.Parameter(-3.0)
    inner = a * b + b**2
    outer = mg.exp(inner)  # inner has a consumer that is not copied
    inner2 = make_copy(inner)
    assert inner2.op is inner.op and inner2.data == inner.data and inner2.grad == 0.0
    inner.backward()
    inner2.backward()
    a2, b2 = leaves_of(inner2)
    assert (a2.grad, b2.grad) == (a.grad, b.grad) == (-3.0, -4.0)
    assert outer.data == math.exp(inner.data)


@pytest.mark.parametrize("make_copy", COPIES)
@pytest.mark.parametrize("data", [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1.5])
def test_a_parameter_keeps_its_number_name_and_grad(make_copy, data):
    p = mg.Parameter(data, name="w.0")
    q = make_copy(p)
    assert type(q) is mg.Parameter and q is not p
    assert same_float(q.data, data) and q.name == "w.0" and q.grad is None
    assert q.requires_grad and q.is_leaf
    p.grad = -0.0
    r = make_copy(p)
    assert same_float(r.grad, -0.0)


@pytest.mark.parametrize("make_copy", COPIES)
def test_a_value_that_needs_no_grad_stays_so(make_copy):
    c = mg.Value(3.0, requires_grad=False)
    d = make_copy(c * 2.0)
    assert d.requires_grad is False and d.data == 6.0 and d.op is None


@pytest.mark.parametrize("make_copy", COPIES)
def test_shared_nodes_stay_shared(make_copy):
    x = mg.Parameter(1.25)
    h = mg.tanh(x)
    y1, y2 = h * 2.0, h * h
    c1, c2, cx = make_copy([y1, y2, x])
    assert c1.inputs[0] is c2.inputs[0] is c2.inputs[1]
    assert leaves_of(c1) == [cx]
    # A copy is made after what it copies, inputs first: the backward order holds.
    assert cx.sequence < c1.inputs[0].sequence < min(c1.sequence, c2.sequence)
    (y1 + y2).backward()
    (c1 + c2).backward()
    assert cx.grad == x.grad


@pytest.mark.parametrize("make_copy", COPIES)
def test_a_grad_that_is_a_value_copies_and_refers_to_the_copy(make_copy):
    p = mg.Parameter(0.5, name="p")
    loss = mg.exp(p) * mg.sin(p)
    loss.backward(create_graph=True)
    assert isinstance(p.grad, mg.Value)
    p2, loss2 = make_copy((p, loss))
    g, g2 = p.grad, p2.grad
    assert isinstance(g2, mg.Value) and g2.data == g.data
    graph = topological_order(g2)
    assert p2 in graph and p not in graph  # the copied gradient depends on the copied p
    assert leaves_of(loss2) == [p2]
    p.grad = p2.grad = None
    g.backward()
    g2.backward()
    assert p2.grad == p.grad  # the second derivative, bit for bit


@pytest.mark.parametrize("make_copy", COPIES)
def test_a_function_call_copies_with_its_ctx(make_copy):
    x = mg.Parameter(0.3)
    y = Softplus.apply(x) * x
    y2 = make_copy(y)
    (x2,) = leaves_of(y2)
    call, call2 = y.inputs[0].op.call, y2.inputs[0].op.call
    assert call2 is not call and call2.ctx is not call.ctx and call2.ctx.note == "kept"
    y.backward(create_graph=True)
    y2.backward(create_graph=True)
    assert x2.grad.data == x.grad.data
    g, g2 = x.grad, x2.grad
    x.grad = x2.grad = None
    g.backward()  # second order: the saved input must become the copied input's Value
    g2.backward()
    assert x2.grad == x.grad != 0.0


@pytest.mark.parametrize("make_copy", COPIES)
def test_a_module_level_user_op_is_the_same_op_after_a_copy(make_copy):
    x = mg.Parameter(-0.4)
    y = softplus_op(x)
    y2 = make_copy(y)
    assert y2.op is softplus_op
    y.backward()
    y2.backward()
    assert leaves_of(y2)[0].grad == x.grad


def test_a_local_user_op_or_function_does_not_pickle_and_says_why():
    local_op = mg.Op("local_op", forward=lambda x: 2.0 * x, backward=lambda m, g, o, x: (2.0 * g,))

    class Local(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2.0 * x

        @staticmethod
        def backward(ctx, grad):
            return 2.0 * grad

    x = mg.Parameter(1.0)
    with pytest.raises(pickle.PicklingError, match=r"op 'local_op'.*top level"):
        pickle.dumps(local_op(x))
    with pytest.raises(pickle.PicklingError, match=r"Function .*Local.*top level"):
        pickle.dumps(Local.apply(x))
    # deepcopy needs no name: it shares the op, and copies the Function call
    y = copy.deepcopy(local_op(x) + Local.apply(x))
    y.backward()
    assert leaves_of(y)[0].grad == 4.0
    gc.collect()
    from minigrad import serialize

    assert serialize.marks == {}  # a failed pickle leaves no node marked


def test_hooks_are_not_copied():
    x = mg.Parameter(2.0)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(g))
    for y2 in (copy.deepcopy(y), pickled(y)):
        y2.backward()
        assert seen == [] and leaves_of(y2)[0].grad == 4.0
    y.backward()
    assert seen == [1.0]


OPTIMIZERS = [
    pytest.param(lambda ps: mg.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), id="SGD"),
    pytest.param(lambda ps: mg.Adam(ps, lr=0.01, amsgrad=True), id="Adam"),
    pytest.param(lambda ps: mg.AdamW(ps, lr=0.01, weight_decay=0.1), id="AdamW"),
    pytest.param(lambda ps: mg.RMSprop(ps, lr=0.01, momentum=0.5, centered=True), id="RMSprop"),
    pytest.param(lambda ps: mg.Adagrad(ps, lr=0.1), id="Adagrad"),
]


def train_step(model, opt, create_graph=False):
    opt.zero_grad()
    loss = (model([0.5, -1.5]) - 0.25) ** 2
    loss.backward(create_graph=create_graph)
    opt.step()
    return loss


@pytest.mark.parametrize("make_copy", COPIES)
@pytest.mark.parametrize("make_opt", OPTIMIZERS)
def test_a_model_and_its_optimizer_copy_together(make_copy, make_opt):
    model = mg.nn.MLP(2, [4, 1], activation="tanh", rng=0)
    opt = make_opt(model.parameters())
    for _ in range(2):
        train_step(model, opt)
    model2, opt2 = make_copy((model, opt))
    params, params2 = model.parameters(), model2.parameters()
    assert [p.name for p in params2] == [p.name for p in params]
    assert all(p2 is not p for p, p2 in zip(params, params2, strict=True))
    assert opt2.param_groups[0]["params"] == params2  # the copied parameters, not the originals
    assert list(opt2.state) == params2
    for p, p2 in zip(params, params2, strict=True):
        assert opt2.state[p2] == opt.state[p] and opt2.state[p2] is not opt.state[p]
    before = model.state_dict()
    train_step(model2, opt2)  # the copy trains alone
    assert model.state_dict() == before
    train_step(model, opt)
    assert model2.state_dict() == model.state_dict()  # bit for bit
    assert [opt2.state[p] for p in params2] == [opt.state[p] for p in params]


@pytest.mark.parametrize("make_copy", COPIES)
def test_a_model_whose_grads_are_values_copies(make_copy):
    model = mg.nn.MLP(2, [3, 1], rng=1)
    opt = mg.SGD(model.parameters(), lr=0.1)
    train_step(model, opt, create_graph=True)
    assert all(isinstance(p.grad, mg.Value) for p in model.parameters())
    model2, opt2 = make_copy((model, opt))
    for p, p2 in zip(model.parameters(), model2.parameters(), strict=True):
        assert p2.grad.data == p.grad.data and p2.grad is not p.grad
    opt.step()
    opt2.step()
    assert model2.state_dict() == model.state_dict()


# --- graphs through the losses (their ops are made per call, and pickled by value) --------------

# Scores, differences and probabilities chosen to reach each kernel's branches: 9 pairs (the
# first 8 take PyTorch's SIMD form), both sides of huber's δ and smooth L1's β, a tie (d = 0),
# a target ignored, p = 0 and 1 for binary_cross_entropy.
PRED = [0.3, -2.5, 1.0, 0.0, 4.0, -0.7, 0.9, 1.5, -1.25]
TARGET = [0.1, 0.5, 1.0, -1.0, 0.25, -0.75, 2.0, 0.0, 1.75]
PROBS = [0.9, 0.2, 0.0, 1.0, 0.5, 0.7, 0.01, 0.99, 0.3]
LABELS = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.5]
SCORES = [[1.0, 2.0, 0.5], [-0.3, 0.8, 3.0], [2.5, -1.0, 0.0], [0.0, 0.0, 0.0]]


def _rows(ps):
    return [ps[3 * i : 3 * i + 3] for i in range(len(ps) // 3)]


LOSS_CASES = {
    "cross_entropy one row": (SCORES[0], lambda ps, r: mg.cross_entropy(ps, 1, reduction=r)),
    "cross_entropy batch": (
        [x for row in SCORES for x in row],
        lambda ps, r: mg.cross_entropy(
            _rows(ps), [1, 2, -100, 0], weight=[0.5, 2.0, 1.5], label_smoothing=0.1, reduction=r
        ),
    ),
    "cross_entropy probabilities": (
        [x for row in SCORES[:2] for x in row],
        lambda ps, r: mg.cross_entropy(
            _rows(ps), [[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]], label_smoothing=0.2, reduction=r
        ),
    ),
    "nll_loss": (
        [-x for row in SCORES for x in row],
        lambda ps, r: mg.nll_loss(_rows(ps), [0, 2, 1, 1], weight=[1.0, 3.0, 0.5], reduction=r),
    ),
    "huber_loss": (PRED, lambda ps, r: mg.huber_loss(ps, TARGET, delta=0.8, reduction=r)),
    "huber_loss scalar": (PRED[:2], lambda ps, r: mg.huber_loss(ps[0], ps[1], reduction=r)),
    "smooth_l1_loss": (PRED, lambda ps, r: mg.smooth_l1_loss(ps, TARGET, 0.5, reduction=r)),
    "smooth_l1_loss beta=0": (PRED, lambda ps, r: mg.smooth_l1_loss(ps, TARGET, 0.0, r)),
    "binary_cross_entropy": (
        PROBS,
        lambda ps, r: mg.binary_cross_entropy(ps, LABELS, reduction=r),
    ),
    "binary_cross_entropy_with_logits": (
        PRED,
        lambda ps, r: mg.binary_cross_entropy_with_logits(
            ps, LABELS, reduction=r, pos_weight=[2.0] * 4 + [0.5] * 5
        ),
    ),
}
ROW_CASES = {"softmax": mg.softmax, "log_softmax": mg.log_softmax}


def _total(out):
    """One Value to call backward on: a list of outputs weighted each differently."""
    if isinstance(out, mg.Value):
        return out
    total = out[0] * 1.0
    for k, o in enumerate(out[1:], start=2):
        total = total + o * (1.0 + 0.25 * k)
    return total


def _check_same_backward(out, copied, create_graph=False):
    """The copy's outputs and, after backward, every leaf's grad equal the original's."""
    outs = out if isinstance(out, list) else [out]
    copies = copied if isinstance(copied, list) else [copied]
    assert len(copies) == len(outs)
    for o, c in zip(outs, copies, strict=True):
        assert c is not o and same_float(c.data, o.data)
    total, total2 = _total(out), _total(copied)
    total.backward(create_graph=create_graph)
    total2.backward(create_graph=create_graph)
    leaves, leaves2 = leaves_of(total), leaves_of(total2)
    assert len(leaves2) == len(leaves) and not set(map(id, leaves)) & set(map(id, leaves2))
    grads = [p.grad for p in leaves if p.requires_grad]
    grads2 = [p.grad for p in leaves2 if p.requires_grad]
    assert len(grads2) == len(grads) > 0
    for g, g2 in zip(grads, grads2, strict=True):
        if create_graph:
            g, g2 = g.data, g2.data
        assert same_float(g2, g)
    return leaves, leaves2


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_a_graph_through_a_loss_pickles_and_gives_the_same_gradients(case, reduction):
    data, loss_of = LOSS_CASES[case]
    params = [mg.Parameter(x) for x in data]
    loss = loss_of([p * 1.0 for p in params], reduction)  # the loss's inputs are not leaves
    _check_same_backward(loss, pickled(loss))


@pytest.mark.parametrize("case", list(ROW_CASES))
def test_a_graph_through_softmax_pickles_and_gives_the_same_gradients(case):
    params = [mg.Parameter(x) for x in (1.0, 2.0, 0.5, -3.0, 700.0)]
    outputs = ROW_CASES[case]([p * 1.0 for p in params])
    _check_same_backward(outputs, pickled(outputs))


@pytest.mark.parametrize("case", ["cross_entropy batch", "binary_cross_entropy_with_logits"])
def test_a_pickled_loss_graph_gives_the_same_second_derivatives(case):
    data, loss_of = LOSS_CASES[case]
    params = [mg.Parameter(x) for x in data]
    loss = loss_of([p * 1.0 for p in params], "mean")
    leaves, leaves2 = _check_same_backward(loss, pickled(loss), create_graph=True)
    for group in (leaves, leaves2):
        second = _total([p.grad for p in group])
        for p in group:
            p.grad = None
        second.backward()
    for p, p2 in zip(leaves, leaves2, strict=True):
        assert same_float(p2.grad, p.grad)


def test_a_loss_op_is_written_by_value_and_read_back_as_a_new_op():
    w = mg.Parameter(0.5)
    loss = mg.huber_loss(w * 3.0, 0.2)
    copied = pickled(loss)
    assert copied.op is not loss.op  # rebuilt, not looked up
    for field in ("name", "arity", "formula", "check"):
        assert getattr(copied.op, field) == getattr(loss.op, field)
    assert copy.deepcopy(loss).op is loss.op  # deepcopy still shares it


def _scaled_forward(k, x):
    return k * x


def _scaled_backward(k, m, g, out, x):
    return (k * g,)


def test_a_local_user_op_of_module_level_partials_pickles_by_value():
    import functools

    op = mg.Op(
        "scaled",
        functools.partial(_scaled_forward, 3.0),
        functools.partial(_scaled_backward, 3.0),
        arity=1,
    )
    x = mg.Parameter(2.0)
    y = pickled(op(x) * op(x))
    assert y.data == 36.0
    y.backward()
    assert leaves_of(y)[0].grad == 36.0  # d(3x)²/dx = 18x
    unpicklable = mg.Op("scaled", functools.partial(lambda k, x: k * x, 3.0), op.user_backward)
    with pytest.raises(pickle.PicklingError, match=r"op 'scaled'.*by value"):
        pickle.dumps(unpicklable(x))
