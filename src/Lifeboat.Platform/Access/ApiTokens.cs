using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Npgsql;

namespace Lifeboat.Platform.Access;

/// <summary>Personal (an operator's), service (a named principal of its own), or the bootstrap admin's one-time credential.</summary>
public enum ApiTokenKind
{
    Personal,
    Service,
    Bootstrap,
}

/// <summary>A token as listed: never its secret.</summary>
public sealed record ApiToken(
    ApiTokenId Id,
    ApiTokenKind Kind,
    OperatorId? Operator,
    string Principal,
    string Name,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy);

/// <summary>A token just created, with its secret: shown this once, never stored.</summary>
public sealed record CreatedApiToken(ApiToken Token, string Secret);

/// <summary>The outcome of checking a secret: the principal it acts as, or why it does not work.</summary>
public sealed record TokenCheck(Principal? Principal, string? Refusal, DateTimeOffset? ValidUntil)
{
    public static TokenCheck Refused(string why) => new(null, why, null);
}

/// <summary>
/// API tokens for the CLI and automation. A secret is "lbt_" and 256 random bits; only its SHA-256
/// is stored. A salted, slow hash (like a password's) would buy nothing here: the secret is random
/// and long, so no dictionary or brute force can reach it, and a fast hash lets a request be checked
/// by one indexed lookup. A personal token's roles are always within its owner's current roles, and
/// it stops working when the owner is disabled.
/// </summary>
public sealed class ApiTokens
{
    public const string SecretPrefix = "lbt_";
    public const string ServicePrefix = "service:";
    public const int MaxList = 1000;

    /// <summary>A token without an expiry asked for lives this long.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    /// <summary>No token lives longer: rotation is part of owning one.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

    /// <summary>The bootstrap credential's life: long enough to install and sign in once.</summary>
    public static readonly TimeSpan BootstrapLifetime = TimeSpan.FromDays(7);

    private const string Columns = "t.token_id, t.kind, t.operator_id, t.principal, t.name, t.roles, t.created_at, t.created_by, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_by";

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;
    private readonly Operators _operators;

    internal ApiTokens(PlatformContext context, AuditLog audit, Operators operators)
    {
        _context = context;
        _audit = audit;
        _operators = operators;
    }

    /// <summary>The hash a secret is stored and looked up by.</summary>
    public static byte[] HashOf(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>
    /// A token of <paramref name="owner"/>, acting as them with <paramref name="roles"/> (all of
    /// theirs when null; never more). Creating one replaces the bootstrap credential.
    /// </summary>
    public async Task<CreatedApiToken> CreatePersonalAsync(OperatorId owner, string name, IEnumerable<string>? roles = null, TimeSpan? lifetime = null,
        CancellationToken cancellationToken = default)
    {
        var account = await _operators.GetAsync(owner, cancellationToken);
        if (account.Disabled)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"the account {account.Login} is disabled; enable it before giving it a token.");
        }

        var asked = roles is null ? account.Roles : Roles.Require(roles);
        var beyond = asked.Except(account.Roles, StringComparer.Ordinal).ToList();
        if (beyond.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"a personal token holds only roles its owner holds; {account.Login} does not hold {string.Join(", ", beyond)} (their roles: {string.Join(", ", account.Roles)}).");
        }

        return await CreateAsync(ApiTokenKind.Personal, account.Id, account.Login, name, asked, Lifetime(lifetime), cancellationToken);
    }

    /// <summary>A token of a service (automation): a principal of its own, "service:NAME", with <paramref name="roles"/>.</summary>
    public async Task<CreatedApiToken> CreateServiceAsync(string service, string name, IEnumerable<string> roles, TimeSpan? lifetime = null,
        CancellationToken cancellationToken = default)
    {
        Operators.RequireLogin(service);
        var granted = Roles.Require(roles);
        if (granted.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"a service token needs at least one role; the roles are: {string.Join(", ", Roles.All)}.");
        }

        return await CreateAsync(ApiTokenKind.Service, null, ServicePrefix + service.Trim(), name, granted, Lifetime(lifetime), cancellationToken);
    }

    public async Task<ApiToken> GetAsync(ApiTokenId id, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.api_tokens t WHERE t.token_id = $1");
        cmd.Parameters.Add(new() { Value = id.Value });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : throw new PlatformException(PlatformErrorKind.NotFound, $"API token {id} does not exist in this environment.");
    }

    /// <summary>Tokens, newest first: of one operator, or every token when <paramref name="owner"/> is null; revoked ones only when asked.</summary>
    public async Task<IReadOnlyList<ApiToken>> ListAsync(OperatorId? owner, bool includeRevoked = false, int limit = MaxList, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > MaxList)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the limit is {limit}; it must be from 1 to {MaxList}.");
        }

        await using var cmd = _context.Command($"""
            SELECT {Columns} FROM platform.api_tokens t
            WHERE ($1::text IS NULL OR t.operator_id = $1) AND ($2 OR t.revoked_at IS NULL)
            ORDER BY t.token_id DESC LIMIT $3
            """);
        cmd.Parameters.Add(new() { Value = (object?)owner?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = includeRevoked });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<ApiToken>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>Revokes a token; a server stops accepting it within its cache's lifetime. Returns whether it changed anything.</summary>
    public async Task<bool> RevokeAsync(ApiTokenId id, CancellationToken cancellationToken = default)
    {
        var token = await GetAsync(id, cancellationToken);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using var cmd = tx.Command("UPDATE platform.api_tokens SET revoked_at = $2, revoked_by = $3 WHERE token_id = $1 AND revoked_at IS NULL");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        var changed = await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (changed)
        {
            await _audit.WriteAsync(id.Value, "token.revoked", null, [id.Value], new { principal = token.Principal, name = token.Name }, cancellationToken, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>
    /// Who a secret acts as, now: refused when it is unknown, expired, revoked, or its owner is
    /// disabled. One indexed lookup; callers on a request path cache the answer briefly.
    /// </summary>
    public async Task<TokenCheck> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return TokenCheck.Refused($"the token is not a Lifeboat API token (they start with {SecretPrefix}).");
        }

        var now = _context.Time.GetUtcNow();
        await using var cmd = _context.Command($"""
            SELECT {Columns}, {Operators.Columns},
                   g.grant_id, g.expires_at
            FROM platform.api_tokens t
            LEFT JOIN platform.operators o ON o.operator_id = t.operator_id
            LEFT JOIN LATERAL (SELECT e.grant_id, e.expires_at FROM platform.emergency_access e
                               WHERE e.operator_id = t.operator_id AND e.confirmed_at IS NOT NULL AND e.ended_at IS NULL AND e.expires_at > $2
                               ORDER BY e.expires_at DESC LIMIT 1) g ON t.kind = 'personal'
            WHERE t.secret_hash = $1
            """);
        cmd.Parameters.Add(new() { Value = HashOf(secret) });
        cmd.Parameters.Add(new() { Value = now });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return TokenCheck.Refused("the token is not known here: it may belong to another environment, or be mistyped. Sign in again to get a new one.");
        }

        var token = Read(reader);
        if (token.RevokedAt is { } revoked)
        {
            return TokenCheck.Refused(token.Kind == ApiTokenKind.Bootstrap
                ? "the bootstrap credential has been used already (a password or a token replaced it); sign in with that."
                : $"the token {token.Id} was revoked at {revoked:u}; create a new one.");
        }

        if (token.ExpiresAt <= now)
        {
            return TokenCheck.Refused($"the token {token.Id} expired at {token.ExpiresAt:u}; create a new one.");
        }

        if (token.Kind == ApiTokenKind.Service)
        {
            return new TokenCheck(new Principal(token.Principal, token.Name, token.Roles, AuthenticationMethod.Token, token: token.Id), null, token.ExpiresAt);
        }

        var owner = Operators.Read(reader, 12);
        if (owner.Disabled)
        {
            return TokenCheck.Refused($"the account {owner.Login} is disabled, so its tokens do not work; an admin can enable it.");
        }

        if (token.Kind == ApiTokenKind.Bootstrap)
        {
            return owner.MustReplaceCredential
                ? new TokenCheck(new Principal(owner.Login, owner.DisplayName, owner.Roles, AuthenticationMethod.Bootstrap, owner.Id, token.Id), null, token.ExpiresAt)
                : TokenCheck.Refused("the bootstrap credential has been used already (a password or a token replaced it); sign in with that.");
        }

        // A token never holds more than its owner does now: a role taken from the owner is taken from the token.
        var roles = token.Roles.Intersect(owner.Roles, StringComparer.Ordinal).ToList();
        var emergency = reader.IsDBNull(24) ? (EmergencyAccessId?)null : EmergencyAccessId.Parse(reader.GetString(24));
        var until = reader.IsDBNull(25) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(25);
        var validUntil = until is { } u && u < token.ExpiresAt ? u : token.ExpiresAt;
        return new TokenCheck(new Principal(owner.Login, owner.DisplayName, roles, AuthenticationMethod.Token, owner.Id, token.Id, emergency, until), null, validUntil);
    }

    /// <summary>
    /// Notes that a token was used, in memory: the "last used" time is written by
    /// <see cref="FlushUsageAsync"/>, off the request path, at most once a minute per token.
    /// </summary>
    public void NoteUsed(ApiTokenId id) => _context.TokenUsage.Note(id, _context.Time.GetUtcNow());

    /// <summary>Writes the "last used" times noted since the last flush, in one statement. Returns how many tokens it wrote.</summary>
    public async Task<int> FlushUsageAsync(CancellationToken cancellationToken = default)
    {
        var pending = _context.TokenUsage.Take();
        if (pending.Count == 0)
        {
            return 0;
        }

        await using var cmd = _context.Command("""
            UPDATE platform.api_tokens t SET last_used_at = u.at
            FROM unnest($1::text[], $2::timestamptz[]) AS u(token_id, at)
            WHERE t.token_id = u.token_id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)
            """);
        cmd.Parameters.Add(new() { Value = pending.Select(p => p.Key.Value).ToArray() });
        cmd.Parameters.Add(new() { Value = pending.Select(p => p.Value).ToArray() });
        return await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    internal async Task<CreatedApiToken> CreateAsync(ApiTokenKind kind, OperatorId? owner, string principal, string name, IReadOnlyList<string> roles, TimeSpan lifetime,
        CancellationToken ct, Storage.StoreTransaction? inTransaction = null)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 100 || trimmed.Any(char.IsControl))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a token needs a name of 1 to 100 characters that says what it is for (\"laptop\", \"nightly backups\").");
        }

        var secret = SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var id = TypedId.New<ApiTokenId>(_context.Time);
        var now = _context.Time.GetUtcNow();
        var tx = inTransaction ?? await _context.Store.BeginTransactionAsync(ct);
        try
        {
            await using (var cmd = tx.Command("""
                INSERT INTO platform.api_tokens (token_id, secret_hash, kind, operator_id, principal, name, roles, created_at, created_by, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """))
            {
                cmd.Parameters.Add(new() { Value = id.Value });
                cmd.Parameters.Add(new() { Value = HashOf(secret) });
                cmd.Parameters.Add(new() { Value = Code(kind) });
                cmd.Parameters.Add(new() { Value = (object?)owner?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                cmd.Parameters.Add(new() { Value = principal });
                cmd.Parameters.Add(new() { Value = trimmed });
                cmd.Parameters.Add(new() { Value = roles.ToArray() });
                cmd.Parameters.Add(new() { Value = now });
                cmd.Parameters.Add(new() { Value = _context.Actor });
                cmd.Parameters.Add(new() { Value = now + lifetime });
                await cmd.ExecuteNonQueryAsync(ct);
            }

            if (kind == ApiTokenKind.Personal && owner is { } replaced)
            {
                await Operators.CredentialReplacedAsync(tx, replaced, now, ct);
            }

            await _audit.WriteAsync(id.Value, "token.created", null, owner is { } o ? new[] { id.Value, o.Value } : new[] { id.Value },
                new { kind = Code(kind), principal, name = trimmed, roles, expiresAt = now + lifetime }, ct, tx);
            if (inTransaction is null)
            {
                await tx.CommitAsync(ct);
            }
        }
        finally
        {
            if (inTransaction is null)
            {
                await tx.DisposeAsync();
            }
        }

        return new CreatedApiToken(new ApiToken(id, kind, owner, principal, trimmed, roles, now, _context.Actor, now + lifetime, null, null, null), secret);
    }

    private static TimeSpan Lifetime(TimeSpan? asked) => asked switch
    {
        null => DefaultLifetime,
        { } l when l < TimeSpan.FromMinutes(1) || l > MaxLifetime => throw new PlatformException(PlatformErrorKind.Invalid,
            $"a token lives from a minute to {MaxLifetime.TotalDays:0} days; {l.TotalDays:0.##} days was asked. Leave it out for {DefaultLifetime.TotalDays:0} days."),
        { } l => l,
    };

    private static string Code(ApiTokenKind kind) => kind switch
    {
        ApiTokenKind.Service => "service",
        ApiTokenKind.Bootstrap => "bootstrap",
        _ => "personal",
    };

    private static ApiToken Read(NpgsqlDataReader r) => new(
        ApiTokenId.Parse(r.GetString(0)),
        r.GetString(1) switch { "service" => ApiTokenKind.Service, "bootstrap" => ApiTokenKind.Bootstrap, _ => ApiTokenKind.Personal },
        r.IsDBNull(2) ? null : OperatorId.Parse(r.GetString(2)), r.GetString(3), r.GetString(4), r.GetFieldValue<string[]>(5),
        r.GetFieldValue<DateTimeOffset>(6), r.GetString(7), r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11));
}
