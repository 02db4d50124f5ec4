using Certitude.Der;

namespace Certitude.Validation;

/// <summary>
/// RFC 5280 6.1.2 - 6.1.5 certificate policy processing with the valid_policy_tree. The tree is
/// bounded by the verification budget (its node count), so crafted policy mappings cannot blow it up.
/// </summary>
internal sealed class PolicyProcessor
{
    private sealed class Node(string policy, string[]? expected, Node? parent)
    {
        // Most nodes have at most one child: it is held directly (a Node), a list only from the second.
        private object? _children;

        public string ValidPolicy { get; } = policy;

        /// <summary>The expected_policy_set; null stands for { ValidPolicy }, the set of every unmapped node.</summary>
        public string[]? Expected { get; set; } = expected;

        public Node? Parent { get; } = parent;

        public int ChildCount => _children switch { null => 0, Node => 1, List<Node> many => many.Count, _ => 0 };

        public Node ChildAt(int i) => _children as Node ?? ((List<Node>)_children!)[i];

        public int Mark { get; set; }

        /// <param name="child">The new child.</param>
        /// <param name="expected">How many children this node may get (the certificate's policy count), to size the list once.</param>
        public void AddChild(Node child, int expected)
        {
            switch (_children)
            {
                case null:
                    _children = child;
                    break;
                case Node one:
                    _children = new List<Node>(Math.Clamp(expected, 2, 64)) { one, child };
                    break;
                default:
                    ((List<Node>)_children).Add(child);
                    break;
            }
        }

        public void RemoveChildAt(int i)
        {
            if (_children is List<Node> many)
            {
                many.RemoveAt(i);
            }
            else
            {
                _children = null;
            }
        }

        public void RemoveChild(Node child)
        {
            int i = IndexOfChild(child);
            if (i >= 0)
            {
                RemoveChildAt(i);
            }
        }

        public int IndexOfChild(Node child) => _children is List<Node> many ? many.IndexOf(child) : ReferenceEquals(_children, child) ? 0 : -1;

        public bool Expects(string oid) => Expected is null ? ValidPolicy == oid : Array.IndexOf(Expected, oid) >= 0;

        public int ExpectedCount => Expected?.Length ?? 1;

        public string ExpectedAt(int i) => Expected is null ? ValidPolicy : Expected[i];
    }

    private int _stamp;
    private int _expectedChildren = 1;

    private readonly PolicyInputs _inputs;
    private readonly Budget _budget;
    private readonly int _n;
    private Node? _root;
    private List<Node> _level;
    // The list the next depth is built in; the two swap at each depth.
    private List<Node> _spare = [];
    private int _explicitPolicy;
    private int _inhibitAnyPolicy;
    private int _policyMapping;

    /// <param name="inputs">The RFC 5280 6.1.1 inputs.</param>
    /// <param name="n">The number of certificates in the path below the trust anchor.</param>
    /// <param name="budget">The verification budget.</param>
    /// <param name="anchor">The trust anchor's certificate when its constraints are enforced: its policyConstraints and
    /// inhibitAnyPolicy act as constraints of a certificate above the first one (RFC 5937 3: trust anchor constraints;
    /// RFC 5280 6.1.4 (i), (j) applied to the anchor), so SkipCerts 0 makes them initial inputs.</param>
    public PolicyProcessor(PolicyInputs inputs, int n, Budget budget, Certificate? anchor = null)
    {
        _inputs = inputs;
        _budget = budget;
        _n = n;
        // 6.1.2 (a), (d), (e), (f)
        _root = new Node(Oids.AnyPolicy, null, null);
        _level = new List<Node>(1) { _root };
        _explicitPolicy = inputs.RequireExplicitPolicy ? 0 : n + 1;
        _inhibitAnyPolicy = inputs.InhibitAnyPolicy ? 0 : n + 1;
        _policyMapping = inputs.InhibitPolicyMapping ? 0 : n + 1;
        if (anchor?.PolicyConstraints is { } pc)
        {
            _explicitPolicy = Math.Min(_explicitPolicy, pc.RequireExplicitPolicy ?? int.MaxValue);
            _policyMapping = Math.Min(_policyMapping, pc.InhibitPolicyMapping ?? int.MaxValue);
        }
        if (anchor?.InhibitAnyPolicy is int skip)
        {
            _inhibitAnyPolicy = Math.Min(_inhibitAnyPolicy, skip);
        }
    }

    /// <summary>The user-constrained policy set after <see cref="WrapUp"/> (empty when the tree is null).</summary>
    public string[] UserConstrainedPolicies { get; private set; } = [];

    /// <summary>The authorities-constrained policy set: the leaf-level policies before the user set is applied.</summary>
    public string[] AuthoritiesConstrainedPolicies { get; private set; } = [];

    /// <summary>6.1.3 (d)-(f) and, for intermediates, 6.1.4 (a), (b), (h)-(j). i is 1-based (1 = issued by the anchor).</summary>
    public Failure? Process(Certificate cert, int i)
    {
        bool isLeaf = i == _n;
        if (cert.Policies is { } policies && _root is not null)
        {
            var next = _spare;
            next.Clear();
            // One list growth at most: a level holds about one node per policy of the certificate.
            next.EnsureCapacity(Math.Min(policies.Length * Math.Max(1, _level.Count), 64));
            _expectedChildren = policies.Length;
            PolicyInformation? any = null;
            // 6.1.3 (d)(1)
            foreach (var p in policies)
            {
                if (p.Oid == Oids.AnyPolicy)
                {
                    any = p;
                    continue;
                }
                bool matched = false;
                foreach (var node in _level)
                {
                    if (node.Expects(p.Oid))
                    {
                        AddChild(node, p.Oid, null, next);
                        matched = true;
                    }
                }
                if (!matched)
                {
                    foreach (var node in _level)
                    {
                        if (node.ValidPolicy == Oids.AnyPolicy)
                        {
                            AddChild(node, p.Oid, null, next);
                        }
                    }
                }
            }
            // 6.1.3 (d)(2)
            if (any is not null && (_inhibitAnyPolicy > 0 || (!isLeaf && cert.IsSelfIssued)))
            {
                foreach (var node in _level)
                {
                    for (int e = 0; e < node.ExpectedCount; e++)
                    {
                        var v = node.ExpectedAt(e);
                        if (!HasChild(node, v))
                        {
                            AddChild(node, v, null, next);
                        }
                    }
                }
            }
            _spare = _level;
            _level = next;
            // 6.1.3 (d)(3)
            Prune();
        }
        else
        {
            // 6.1.3 (e)
            _root = null;
            _level.Clear();
        }
        // 6.1.3 (f)
        if (_explicitPolicy <= 0 && _root is null)
        {
            return new Failure(VerifyCode.NoExplicitPolicy, "an explicit policy is required and no acceptable policy remains", "RFC 5280 6.1.3 (f)");
        }
        if (isLeaf)
        {
            return null;
        }

        // 6.1.4 (a)
        if (cert.PolicyMappings is { } maps)
        {
            foreach (var m in maps)
            {
                if (m.IssuerDomain == Oids.AnyPolicy || m.SubjectDomain == Oids.AnyPolicy)
                {
                    return new Failure(VerifyCode.InvalidPolicyExtension, "policyMappings maps to or from anyPolicy", "RFC 5280 6.1.4 (a)");
                }
            }
            // 6.1.4 (b)
            if (_root is not null)
            {
                foreach (var group in maps.GroupBy(m => m.IssuerDomain, StringComparer.Ordinal))
                {
                    var mapped = group.Select(m => m.SubjectDomain).Distinct(StringComparer.Ordinal).ToArray();
                    var nodes = _level.Where(n => n.ValidPolicy == group.Key).ToList();
                    if (_policyMapping > 0)
                    {
                        if (nodes.Count > 0)
                        {
                            foreach (var node in nodes)
                            {
                                node.Expected = mapped;
                            }
                        }
                        else if (_level.FirstOrDefault(n => n.ValidPolicy == Oids.AnyPolicy) is { Parent: { } parent })
                        {
                            AddChild(parent, group.Key, mapped, _level);
                        }
                    }
                    else
                    {
                        foreach (var node in nodes)
                        {
                            node.Parent?.RemoveChild(node);
                            _level.Remove(node);
                        }
                        Prune();
                    }
                }
            }
        }
        // 6.1.4 (h)
        if (!cert.IsSelfIssued)
        {
            if (_explicitPolicy > 0)
            {
                _explicitPolicy--;
            }
            if (_policyMapping > 0)
            {
                _policyMapping--;
            }
            if (_inhibitAnyPolicy > 0)
            {
                _inhibitAnyPolicy--;
            }
        }
        // 6.1.4 (i)
        if (cert.PolicyConstraints is { } pc)
        {
            if (pc.RequireExplicitPolicy is int r && r < _explicitPolicy)
            {
                _explicitPolicy = r;
            }
            if (pc.InhibitPolicyMapping is int m && m < _policyMapping)
            {
                _policyMapping = m;
            }
        }
        // 6.1.4 (j)
        if (cert.InhibitAnyPolicy is int skip && skip < _inhibitAnyPolicy)
        {
            _inhibitAnyPolicy = skip;
        }
        return null;
    }

    /// <summary>6.1.5 (a), (b), (g) for the leaf.</summary>
    public Failure? WrapUp(Certificate leaf)
    {
        if (_explicitPolicy > 0)
        {
            _explicitPolicy--;
        }
        if (leaf.PolicyConstraints?.RequireExplicitPolicy == 0)
        {
            _explicitPolicy = 0;
        }
        var user = _inputs.InitialPolicySet;
        AuthoritiesConstrainedPolicies = LevelPolicies();
        bool userSetApplied = _root is not null && !user.Contains(Oids.AnyPolicy);
        if (userSetApplied)
        {
            // 6.1.5 (g)(iii)
            var validSet = AllNodes().Where(n => n.Parent?.ValidPolicy == Oids.AnyPolicy).ToList();
            foreach (var node in validSet)
            {
                if (node.ValidPolicy != Oids.AnyPolicy && !user.Contains(node.ValidPolicy))
                {
                    node.Parent!.RemoveChild(node);
                    _level.Remove(node);
                }
            }
            var anyLeaf = _level.FirstOrDefault(n => n.ValidPolicy == Oids.AnyPolicy);
            if (anyLeaf is { Parent: { } ap })
            {
                var present = validSet.Select(n => n.ValidPolicy).ToHashSet(StringComparer.Ordinal);
                foreach (var p in user)
                {
                    if (!present.Contains(p))
                    {
                        AddChild(ap, p, null, _level);
                    }
                }
                ap.RemoveChild(anyLeaf);
                _level.Remove(anyLeaf);
            }
            Prune();
        }
        // Without a user set to apply (6.1.5 (g)(ii)), the tree and so the set are unchanged.
        UserConstrainedPolicies = userSetApplied ? LevelPolicies() : AuthoritiesConstrainedPolicies;
        if (_explicitPolicy <= 0 && (_root is null || _level.Count == 0))
        {
            return new Failure(VerifyCode.NoExplicitPolicy, "an explicit policy is required and the path has no acceptable policy", "RFC 5280 6.1.5 (g)");
        }
        return null;
    }

    /// <summary>The distinct valid policies of the current depth (none when the tree is null).</summary>
    private string[] LevelPolicies()
    {
        if (_root is null || _level.Count == 0)
        {
            return [];
        }
        if (_level.Count == 1)
        {
            return [_level[0].ValidPolicy];
        }
        // A level of a handful of nodes is deduplicated directly; a large one (bounded by the budget) through a set.
        if (_level.Count > 16)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            var distinct = new List<string>();
            foreach (var n in _level)
            {
                if (set.Add(n.ValidPolicy))
                {
                    distinct.Add(n.ValidPolicy);
                }
            }
            return distinct.ToArray();
        }
        Span<int> firsts = stackalloc int[16];
        int count = 0;
        for (int i = 0; i < _level.Count; i++)
        {
            bool seen = false;
            for (int j = 0; j < count && !seen; j++)
            {
                seen = _level[firsts[j]].ValidPolicy == _level[i].ValidPolicy;
            }
            if (!seen)
            {
                firsts[count++] = i;
            }
        }
        var result = new string[count];
        for (int j = 0; j < count; j++)
        {
            result[j] = _level[firsts[j]].ValidPolicy;
        }
        return result;
    }

    private static bool HasChild(Node node, string policy)
    {
        for (int i = 0; i < node.ChildCount; i++)
        {
            if (node.ChildAt(i).ValidPolicy == policy)
            {
                return true;
            }
        }
        return false;
    }

    private void AddChild(Node parent, string policy, string[]? expected, List<Node> level)
    {
        if (!_budget.PolicyNode())
        {
            // Over budget: the tree stops growing; the validator reports the exhausted budget for this path.
            return;
        }
        var child = new Node(policy, expected, parent);
        parent.AddChild(child, _expectedChildren);
        level.Add(child);
    }

    /// <summary>Deletes every node above the current depth that has no children, repeatedly; an empty tree
    /// becomes null. Equivalently: the tree keeps exactly the current-depth nodes still attached to the root
    /// and their ancestors (nodes are marked with a per-call stamp, so nothing is allocated).</summary>
    private void Prune()
    {
        if (_root is null)
        {
            return;
        }
        int stamp = ++_stamp;
        // Nodes of the current depth whose subtree was detached (6.1.4 (b)(ii), 6.1.5 (g)(iii)) are gone too.
        for (int i = _level.Count - 1; i >= 0; i--)
        {
            if (!Attached(_level[i]))
            {
                _level.RemoveAt(i);
            }
        }
        foreach (var n in _level)
        {
            for (var a = n; a is not null && a.Mark != stamp; a = a.Parent)
            {
                a.Mark = stamp;
            }
        }
        if (_root.Mark != stamp)
        {
            _root = null;
            _level.Clear();
            return;
        }
        RemoveUnmarked(_root, stamp);
    }

    private static void RemoveUnmarked(Node node, int stamp)
    {
        for (int i = node.ChildCount - 1; i >= 0; i--)
        {
            var child = node.ChildAt(i);
            if (child.Mark != stamp)
            {
                node.RemoveChildAt(i);
            }
            else
            {
                RemoveUnmarked(child, stamp);
            }
        }
    }

    /// <summary>True when the node is still reachable from the root through children links.</summary>
    private bool Attached(Node n)
    {
        var c = n;
        while (c.Parent is { } p)
        {
            if (p.IndexOfChild(c) < 0)
            {
                return false;
            }
            c = p;
        }
        return ReferenceEquals(c, _root);
    }

    private IEnumerable<Node> AllNodes()
    {
        if (_root is null)
        {
            yield break;
        }
        var stack = new Stack<Node>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            for (int i = 0; i < n.ChildCount; i++)
            {
                stack.Push(n.ChildAt(i));
            }
        }
    }
}
