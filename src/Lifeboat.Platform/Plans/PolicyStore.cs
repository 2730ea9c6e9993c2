using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Plans;

/// <summary>The policy in force: its version (0: the built-in safe defaults), its rules, its text and who made it so.</summary>
public sealed record PolicyInForce(int Version, PlanPolicy Policy, string Yaml, string ContentHash, string? ProposedBy, string? ApprovedBy, DateTimeOffset? Since)
{
    /// <summary>"policy version 3 (approved by bob)", as refusals name it.</summary>
    public string Describe() => Version == 0 ? "policy version 0 (the built-in defaults)" : $"policy version {Version} (approved by {ApprovedBy})";
}

public enum PolicyVersionState
{
    /// <summary>Waiting for a second person's approval.</summary>
    Proposed,

    /// <summary>Approved, and the newest approved version: plans are held to it.</summary>
    InForce,

    /// <summary>Was in force; a later version replaced it.</summary>
    Superseded,

    /// <summary>Never approved, and another version came into force after it was proposed: it can no longer be approved.</summary>
    Stale,
}

/// <summary>One version of the environment's policy, as proposed, and its approval if it has one.</summary>
public sealed record PolicyVersion(int Version, PolicyVersionState State, string Yaml, string ContentHash, int BasedOn, string ProposedBy, DateTimeOffset? ProposedAt,
    string? Reason, string? ApprovedBy, DateTimeOffset? ApprovedAt);

/// <summary>
/// The environment's policy, held in its database and versioned: the one place the rest of the
/// platform reads the policy in force from. A person proposes a new version (YAML, validated as
/// <see cref="PlanPolicy.Parse"/> does); a different person approves it by its content hash; then it
/// is in force. Every step goes to the audit log (subject "policy"); no version is ever changed or
/// removed. A fresh environment has the built-in safe defaults (<see cref="PlanPolicy.Default"/>) as
/// version 0.
/// </summary>
public sealed class PolicyStore
{
    /// <summary>How long <see cref="CurrentAsync"/> may answer from memory.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    /// <summary>The longest policy text accepted.</summary>
    public const int MaxYamlLength = 256 * 1024;

    public const string AuditSubject = "policy";

    private const long PolicyLockKey = 0x4C42_504F_4C49_4359; // "LBPOLICY"

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    internal PolicyStore(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    /// <summary>
    /// The policy in force, possibly as read up to <see cref="CacheFor"/> ago in this process (a
    /// version approved here is seen at once). For hot paths; what must not act on a policy a second
    /// old (plan checks) uses <see cref="ReadAsync"/>.
    /// </summary>
    public async Task<PolicyInForce> CurrentAsync(CancellationToken cancellationToken = default)
    {
        var cache = _context.PolicyCache;
        if (cache.Get(_context.Time, CacheFor) is { } cached)
        {
            return cached;
        }

        var current = await ReadAsync(cancellationToken);
        cache.Set(current, _context.Time);
        return current;
    }

    /// <summary>
    /// Gives the database's breaker the limits of the policy in force (it refuses, in the write's own
    /// transaction, the destructive write that would pass one). Run when the platform opens and when a
    /// version comes into force; unchanged limits are left as they are.
    /// </summary>
    public async Task SyncBreakerAsync(CancellationToken cancellationToken = default)
    {
        var inForce = await ReadAsync(cancellationToken);
        await _context.Store.Breaker.SetLimitsAsync(inForce.Policy.Breaker.Limits(), $"the limits of {inForce.Describe()}", cancellationToken);
    }

    /// <summary>The policy in force, read from the database now.</summary>
    public async Task<PolicyInForce> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"""
            {SelectVersions} WHERE a.version IS NOT NULL ORDER BY v.version DESC LIMIT 1
            """);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return BuiltIn;
        }

        var version = ReadVersion(reader, inForce: reader.GetInt32(0));
        return new PolicyInForce(version.Version, PlanPolicy.Parse(version.Yaml, $"version {version.Version}"), version.Yaml, version.ContentHash,
            version.ProposedBy, version.ApprovedBy, version.ApprovedAt);
    }

    /// <summary>
    /// Records a proposed new version; nothing changes until a different person approves it. The
    /// text is validated first: an invalid policy is refused naming the line and what is wrong.
    /// </summary>
    public async Task<PolicyVersion> ProposeAsync(string yaml, string source, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        if (yaml.Length > MaxYamlLength)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"policy {source} is {yaml.Length} characters long; a policy is at most {MaxYamlLength}.");
        }

        PlanPolicy.Parse(yaml, source);
        var hash = PlanPolicy.ContentHashOf(yaml);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await LockAsync(tx, cancellationToken);
        var inForce = await InForceVersionAsync(tx, cancellationToken);
        var current = inForce == 0 ? BuiltIn : await ReadAsync(cancellationToken);
        if (string.Equals(current.ContentHash, hash, StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"policy {source} is the policy in force already ({current.Describe()}); there is nothing to propose.");
        }

        int version;
        await using (var cmd = tx.Command("""
            INSERT INTO platform.policy_versions (version, yaml, content_hash, based_on, proposed_by, proposed_at, reason)
            SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4, $5, $6 FROM platform.policy_versions
            RETURNING version
            """))
        {
            cmd.Parameters.Add(new() { Value = yaml });
            cmd.Parameters.Add(new() { Value = hash });
            cmd.Parameters.Add(new() { Value = inForce });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = string.IsNullOrWhiteSpace(reason) ? DBNull.Value : reason.Trim(), NpgsqlDbType = NpgsqlDbType.Text });
            version = (int)(await cmd.ExecuteScalarAsync(cancellationToken))!;
        }

        await _audit.WriteAsync(AuditSubject, "policy-proposed", hash, [], new { version, basedOn = inForce, reason, source }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(version, cancellationToken);
    }

    /// <summary>
    /// Puts a proposed version in force: by someone other than its proposer (<see cref="Principals"/>),
    /// naming the content hash they reviewed, while the version it was proposed on is still in force.
    /// </summary>
    public async Task<PolicyVersion> ApproveAsync(int version, string contentHash, CancellationToken cancellationToken = default)
    {
        var proposed = await GetAsync(version, cancellationToken);
        if (await _context.Store.Principals.SameAsync(proposed.ProposedBy, _context.Actor, cancellationToken))
        {
            var message = $"{Principals.Describe(_context.Actor, proposed.ProposedBy)} proposed policy version {version} and cannot also approve it; a second person must.";
            await _audit.WriteAsync(AuditSubject, "policy-approval-refused", proposed.ContentHash, [], new { version, message }, cancellationToken);
            throw new PlatformException(PlatformErrorKind.Conflict, message);
        }

        if (proposed.ApprovedBy is not null)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"policy version {version} was approved already, by {proposed.ApprovedBy} at {proposed.ApprovedAt:u}; it is {proposed.State}.");
        }

        if (!string.Equals(contentHash?.Trim(), proposed.ContentHash, StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"policy version {version}'s content hash is {proposed.ContentHash}, not {contentHash}: the policy is not what was reviewed. Review it again (lifeboat policy show --version {version}) and approve the hash it shows.");
        }

        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await LockAsync(tx, cancellationToken);
        var inForce = await InForceVersionAsync(tx, cancellationToken);
        if (inForce != proposed.BasedOn)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"policy version {version} was proposed when version {proposed.BasedOn} was in force, and version {inForce} is in force now: approving it would undo version {inForce}'s changes unseen. " +
                $"Its author should propose it again on top of version {inForce} (lifeboat policy show).");
        }

        await using (var cmd = tx.Command("""
            INSERT INTO platform.policy_approvals (version, proposed_by, content_hash, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5)
            """))
        {
            cmd.Parameters.Add(new() { Value = version });
            cmd.Parameters.Add(new() { Value = proposed.ProposedBy });
            cmd.Parameters.Add(new() { Value = proposed.ContentHash });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await _audit.WriteAsync(AuditSubject, "policy-approved", proposed.ContentHash, [], new { version, previous = inForce, proposedBy = proposed.ProposedBy }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        _context.PolicyCache.Clear();
        await SyncBreakerAsync(cancellationToken);
        return await GetAsync(version, cancellationToken);
    }

    /// <summary>
    /// What to tell someone who names a policy file the old way (a command-line option, a setting, an
    /// environment variable, a file in the home folder), which no longer chooses the policy.
    /// </summary>
    public static string NotChosenByFile(string setting, string path) =>
        $"{setting} ({path}) no longer chooses the policy: plans are held to the environment's policy, kept in Lifeboat's database and changed by two people. " +
        $"To make that file the policy, propose it: lifeboat policy propose {path} --reason \"…\" (or POST it to /api/policy/proposals); " +
        "another person then approves it by its content hash: lifeboat policy approve <version> --hash <hash>. " +
        $"Then remove {setting}. See the policy in force with lifeboat policy show (GET /api/policy).";

    /// <summary>One version; 0 is the built-in defaults.</summary>
    public async Task<PolicyVersion> GetAsync(int version, CancellationToken cancellationToken = default)
    {
        if (version == 0)
        {
            return await BuiltInVersionAsync(cancellationToken);
        }

        await using var cmd = _context.Command($"{SelectVersions} WHERE v.version = $1");
        cmd.Parameters.Add(new() { Value = version });
        var inForce = await InForceVersionAsync(null, cancellationToken);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? ReadVersion(reader, inForce)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"policy version {version} does not exist; lifeboat policy history lists the versions.");
    }

    /// <summary>Every version, newest first, ending with version 0 (the built-in defaults).</summary>
    public async Task<IReadOnlyList<PolicyVersion>> HistoryAsync(CancellationToken cancellationToken = default)
    {
        var inForce = await InForceVersionAsync(null, cancellationToken);
        var list = new List<PolicyVersion>();
        await using (var cmd = _context.Command($"{SelectVersions} ORDER BY v.version DESC"))
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(ReadVersion(reader, inForce));
            }
        }

        list.Add(await BuiltInVersionAsync(cancellationToken));
        return list;
    }

    private const string SelectVersions = """
        SELECT v.version, v.yaml, v.content_hash, v.based_on, v.proposed_by, v.proposed_at, v.reason, a.approved_by, a.approved_at
        FROM platform.policy_versions v LEFT JOIN platform.policy_approvals a ON a.version = v.version
        """;

    private static PolicyInForce BuiltIn
    {
        get
        {
            var yaml = $"# The built-in safe defaults: in force until a version is approved.\n{PlanPolicy.Default.ToYaml()}";
            return new PolicyInForce(0, PlanPolicy.Default, yaml, PlanPolicy.ContentHashOf(yaml), null, null, null);
        }
    }

    private async Task<PolicyVersion> BuiltInVersionAsync(CancellationToken ct)
    {
        var builtIn = BuiltIn;
        var inForce = await InForceVersionAsync(null, ct);
        return new PolicyVersion(0, inForce == 0 ? PolicyVersionState.InForce : PolicyVersionState.Superseded, builtIn.Yaml, builtIn.ContentHash, 0, "lifeboat",
            null, "the built-in safe defaults", null, null);
    }

    private async Task<int> InForceVersionAsync(StoreTransaction? tx, CancellationToken ct)
    {
        const string Sql = "SELECT coalesce(max(version), 0) FROM platform.policy_approvals";
        await using var cmd = tx is null ? _context.Command(Sql) : tx.Command(Sql);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Proposals and approvals take turns, so a version number and "the version in force" are read and written without a race.</summary>
    private static async Task LockAsync(StoreTransaction tx, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT pg_advisory_xact_lock({PolicyLockKey})");
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static PolicyVersion ReadVersion(NpgsqlDataReader r, int inForce)
    {
        var version = r.GetInt32(0);
        var basedOn = r.GetInt32(3);
        var approvedBy = r.IsDBNull(7) ? null : r.GetString(7);
        var state = approvedBy is not null
            ? version == inForce ? PolicyVersionState.InForce : PolicyVersionState.Superseded
            : basedOn == inForce ? PolicyVersionState.Proposed : PolicyVersionState.Stale;
        return new PolicyVersion(version, state, r.GetString(1), r.GetString(2), basedOn, r.GetString(4), r.GetFieldValue<DateTimeOffset>(5),
            r.IsDBNull(6) ? null : r.GetString(6), approvedBy, r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));
    }
}

/// <summary>The policy in force as last read in this process, shared by every actor's view of the platform.</summary>
internal sealed class PolicyCache
{
    private Entry? _entry;

    public PolicyInForce? Get(TimeProvider time, TimeSpan maxAge) =>
        Volatile.Read(ref _entry) is { } e && time.GetElapsedTime(e.ReadAt) <= maxAge ? e.Policy : null;

    public void Set(PolicyInForce policy, TimeProvider time) => Volatile.Write(ref _entry, new Entry(policy, time.GetTimestamp()));

    public void Clear() => Volatile.Write(ref _entry, null);

    private sealed record Entry(PolicyInForce Policy, long ReadAt);
}
