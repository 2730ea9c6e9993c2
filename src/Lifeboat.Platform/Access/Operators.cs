using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Access;

/// <summary>Where an operator account signs in.</summary>
public enum OperatorOrigin
{
    /// <summary>A local password (or the bootstrap credential, then a password or a token).</summary>
    Local,

    /// <summary>The company's OpenID Connect provider; the subject is "issuer|sub".</summary>
    OpenIdConnect,

    /// <summary>An OS user of the machine running the CLI on the embedded database (local mode).</summary>
    OsUser,
}

/// <summary>An operator account as others see it: never its password.</summary>
public sealed record OperatorAccount(
    OperatorId Id,
    string Login,
    string DisplayName,
    IReadOnlyList<string> Roles,
    OperatorOrigin Origin,
    string? ExternalSubject,
    bool HasPassword,
    bool MustReplaceCredential,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? DisabledAt,
    string? DisabledBy)
{
    public bool Disabled => DisabledAt is not null;
}

/// <summary>
/// Operator accounts: the people who act on Lifeboat. A login is unique as a principal ('Alice' and
/// 'alice' are one), an account is disabled rather than deleted (its history stays a person's), and
/// every change is audited under the account's ID with the acting principal.
/// </summary>
public sealed class Operators
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;
    public const int MaxLoginLength = 100;
    public const int MaxList = 1000;

    /// <summary>Names the server and the platform act as themselves; no person may take one.</summary>
    public static IReadOnlyList<string> ReservedLogins { get; } = ["lifeboat", "api", "detector", "restore-worker", "system"];

    internal const string Columns = """
        o.operator_id, o.login, o.display_name, o.roles, o.origin, o.external_subject, o.password_hash IS NOT NULL,
        o.must_replace_credential, o.created_at, o.created_by, o.disabled_at, o.disabled_by
        """;

    private static readonly PasswordHasher<OperatorAccount> Hasher = new();

    // Verified against when the login does not exist, so a wrong login takes as long as a wrong password.
    private static readonly string UnknownLoginHash = Hasher.HashPassword(null!, "not a password anyone has");

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    internal Operators(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    /// <summary>
    /// A new account. <paramref name="password"/> is for local accounts (it may be set later);
    /// <paramref name="externalSubject"/> is the OIDC subject or the OS user an account of those origins signs in as.
    /// </summary>
    public async Task<OperatorAccount> CreateAsync(string login, string displayName, IEnumerable<string> roles, OperatorOrigin origin = OperatorOrigin.Local,
        string? externalSubject = null, string? password = null, CancellationToken cancellationToken = default)
    {
        RequireLogin(login);
        var name = RequireDisplayName(displayName ?? login);
        var granted = Roles.Require(roles);
        if (origin != OperatorOrigin.Local && string.IsNullOrWhiteSpace(externalSubject))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"an account signing in through {Describe(origin)} needs the subject it signs in as (the OIDC subject or the OS user name).");
        }

        if (password is not null && origin != OperatorOrigin.Local)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"only local accounts have passwords; {login} signs in through {Describe(origin)}.");
        }

        var hash = password is null ? null : HashPassword(password);
        var id = TypedId.New<OperatorId>(_context.Time);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await InsertAsync(tx, id, login.Trim(), name, granted, origin, externalSubject, hash, mustReplace: false, cancellationToken);
        await _audit.WriteAsync(id.Value, "operator.created", null, [id.Value],
            new { login = login.Trim(), displayName = name, roles = granted, origin = Describe(origin), externalSubject, password = hash is not null }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    public async Task<OperatorAccount> GetAsync(OperatorId id, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.operators o WHERE o.operator_id = $1");
        cmd.Parameters.Add(new() { Value = id.Value });
        return await ReadOneAsync(cmd, cancellationToken)
            ?? throw new PlatformException(PlatformErrorKind.NotFound, $"operator {id} does not exist in this environment.");
    }

    /// <summary>The account of a login, compared as a principal ('Alice' finds 'alice'); null when there is none.</summary>
    public async Task<OperatorAccount?> FindAsync(string login, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(login);
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.operators o WHERE lifeboat.principal_key(o.login) = lifeboat.principal_key($1)");
        cmd.Parameters.Add(new() { Value = login });
        return await ReadOneAsync(cmd, cancellationToken);
    }

    /// <summary>The account that signs in as <paramref name="subject"/> through <paramref name="origin"/>; null when there is none.</summary>
    public async Task<OperatorAccount?> FindExternalAsync(OperatorOrigin origin, string subject, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.operators o WHERE o.origin = $1 AND o.external_subject = $2");
        cmd.Parameters.Add(new() { Value = Code(origin) });
        cmd.Parameters.Add(new() { Value = subject });
        return await ReadOneAsync(cmd, cancellationToken);
    }

    /// <summary>Accounts in creation order, at most <paramref name="limit"/> (1 to 1000).</summary>
    public async Task<IReadOnlyList<OperatorAccount>> ListAsync(bool includeDisabled = true, int limit = MaxList, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > MaxList)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the limit is {limit}; it must be from 1 to {MaxList}.");
        }

        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.operators o WHERE $1 OR o.disabled_at IS NULL ORDER BY o.operator_id LIMIT $2");
        cmd.Parameters.Add(new() { Value = includeDisabled });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<OperatorAccount>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>
    /// Sets a local account's password. It replaces the bootstrap credential, which stops working.
    /// Existing sessions and tokens are not touched: revoke tokens for that.
    /// </summary>
    public async Task SetPasswordAsync(OperatorId id, string password, CancellationToken cancellationToken = default)
    {
        var account = await GetAsync(id, cancellationToken);
        if (account.Origin != OperatorOrigin.Local)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{account.Login} signs in through {Describe(account.Origin)}, so it has no password here.");
        }

        var hash = HashPassword(password);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("UPDATE platform.operators SET password_hash = $2 WHERE operator_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = hash });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await CredentialReplacedAsync(tx, id, _context.Time.GetUtcNow(), cancellationToken);
        await _audit.WriteAsync(id.Value, "operator.password-set", null, [id.Value], new { login = account.Login }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// A short fingerprint of the account's present password (null when it has none). A console session
    /// records it when it begins and ends when it no longer matches, so changing a password ends every
    /// session signed in with the old one.
    /// </summary>
    public async Task<string?> CredentialStampAsync(OperatorId id, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT left(encode(sha256(convert_to(password_hash, 'UTF8')), 'hex'), 16) FROM platform.operators WHERE operator_id = $1");
        cmd.Parameters.Add(new() { Value = id.Value });
        return await cmd.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// The principal of a local account whose password (or, until it is replaced, bootstrap
    /// credential) is <paramref name="password"/>; null for a wrong login or password or a disabled
    /// account, without saying which, so sign-in does not tell who has an account.
    /// </summary>
    public async Task<Principal?> VerifyPasswordAsync(string login, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(password);
        if (login.Length > MaxLoginLength || password.Length > MaxPasswordLength)
        {
            return null;
        }

        string? hash = null;
        OperatorAccount? account;
        await using (var cmd = _context.Command($"SELECT {Columns}, o.password_hash FROM platform.operators o WHERE lifeboat.principal_key(o.login) = lifeboat.principal_key($1)"))
        {
            cmd.Parameters.Add(new() { Value = login });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            account = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
            if (account is not null && !reader.IsDBNull(12))
            {
                hash = reader.GetString(12);
            }
        }

        if (account is null || account.Origin != OperatorOrigin.Local || hash is null)
        {
            Hasher.VerifyHashedPassword(null!, UnknownLoginHash, password);
            // The bootstrap admin has no password yet: its one-time credential stands in for one.
            return account is { MustReplaceCredential: true, Disabled: false } && password.StartsWith(ApiTokens.SecretPrefix, StringComparison.Ordinal)
                ? await BootstrapPrincipalAsync(account, password, cancellationToken)
                : null;
        }

        var result = Hasher.VerifyHashedPassword(account, hash, password);
        if (result == PasswordVerificationResult.Failed || account.Disabled)
        {
            if (result == PasswordVerificationResult.Failed)
            {
                await _audit.WriteAsync(account.Id.Value, "operator.sign-in-refused", null, [account.Id.Value], new { login = account.Login, why = "wrong password" }, cancellationToken);
            }

            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await using var rehash = _context.Command("UPDATE platform.operators SET password_hash = $2 WHERE operator_id = $1");
            rehash.Parameters.Add(new() { Value = account.Id.Value });
            rehash.Parameters.Add(new() { Value = Hasher.HashPassword(account, password) });
            await rehash.ExecuteNonQueryAsync(cancellationToken);
        }

        return await PrincipalOfAsync(account, AuthenticationMethod.Password, null, cancellationToken);
    }

    /// <summary>
    /// Signs in an account of another origin (an OIDC subject, an OS user), creating it on first
    /// sign-in with <paramref name="roles"/> and otherwise bringing its roles to them (audited when
    /// they change), since that origin says what the person is. A disabled account is refused.
    /// </summary>
    public async Task<Principal> SignInExternalAsync(OperatorOrigin origin, string subject, string login, string displayName, IEnumerable<string> roles,
        CancellationToken cancellationToken = default)
    {
        if (origin == OperatorOrigin.Local)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "local accounts sign in with their password.");
        }

        var granted = Roles.Require(roles);
        var account = await FindExternalAsync(origin, subject, cancellationToken)
            ?? await CreateAsync(login, displayName, granted, origin, subject, null, cancellationToken);
        if (account.Disabled)
        {
            throw new AccessDeniedException(Permissions.AccountSelf, $"the account {account.Login} is disabled; an admin can enable it.");
        }

        if (!account.Roles.SequenceEqual(granted, StringComparer.Ordinal))
        {
            await SetRolesAsync(account, granted, "operator.roles-synced", cancellationToken);
            account = await GetAsync(account.Id, cancellationToken);
        }

        var method = origin == OperatorOrigin.OpenIdConnect ? AuthenticationMethod.OpenIdConnect : AuthenticationMethod.OsUser;
        return await PrincipalOfAsync(account, method, null, cancellationToken);
    }

    /// <summary>The principal an account is now (its roles, and any emergency access in force), authenticated by <paramref name="method"/>.</summary>
    public async Task<Principal> PrincipalOfAsync(OperatorId id, AuthenticationMethod method, CancellationToken cancellationToken = default)
    {
        var account = await GetAsync(id, cancellationToken);
        if (account.Disabled)
        {
            throw new AccessDeniedException(Permissions.AccountSelf, $"the account {account.Login} is disabled; an admin can enable it.");
        }

        return await PrincipalOfAsync(account, method, null, cancellationToken);
    }

    /// <summary>Disables an account: it can no longer sign in, and its tokens stop working. Its history stays. Returns whether it changed anything.</summary>
    public async Task<bool> DisableAsync(OperatorId id, string reason, CancellationToken cancellationToken = default)
    {
        RequireReason(reason);
        var account = await GetAsync(id, cancellationToken);
        if (await _context.Store.Principals.SameAsync(account.Login, _context.Actor, cancellationToken))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"{_context.Actor} cannot disable their own account; ask another admin.");
        }

        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using var cmd = tx.Command("UPDATE platform.operators SET disabled_at = $2, disabled_by = $3 WHERE operator_id = $1 AND disabled_at IS NULL");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        var changed = await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (changed)
        {
            await _audit.WriteAsync(id.Value, "operator.disabled", null, [id.Value], new { login = account.Login, reason }, cancellationToken, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>Enables a disabled account again. Returns whether it changed anything.</summary>
    public async Task<bool> EnableAsync(OperatorId id, string reason, CancellationToken cancellationToken = default)
    {
        RequireReason(reason);
        var account = await GetAsync(id, cancellationToken);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using var cmd = tx.Command("UPDATE platform.operators SET disabled_at = NULL, disabled_by = NULL WHERE operator_id = $1 AND disabled_at IS NOT NULL");
        cmd.Parameters.Add(new() { Value = id.Value });
        var changed = await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (changed)
        {
            await _audit.WriteAsync(id.Value, "operator.enabled", null, [id.Value], new { login = account.Login, reason }, cancellationToken, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>Adds roles to an account. Returns the account as it is now.</summary>
    public async Task<OperatorAccount> GrantRolesAsync(OperatorId id, IEnumerable<string> roles, CancellationToken cancellationToken = default)
    {
        var account = await GetAsync(id, cancellationToken);
        var now = Roles.Require(account.Roles.Concat(Roles.Require(roles)));
        if (!now.SequenceEqual(account.Roles, StringComparer.Ordinal))
        {
            await SetRolesAsync(account, now, "operator.roles-granted", cancellationToken);
        }

        return await GetAsync(id, cancellationToken);
    }

    /// <summary>Takes roles from an account; its tokens lose them too (a token's roles are always within its owner's). Returns the account as it is now.</summary>
    public async Task<OperatorAccount> RevokeRolesAsync(OperatorId id, IEnumerable<string> roles, CancellationToken cancellationToken = default)
    {
        var account = await GetAsync(id, cancellationToken);
        var taken = Roles.Require(roles);
        var now = account.Roles.Where(r => !taken.Contains(r)).ToList();
        if (now.Count != account.Roles.Count)
        {
            await SetRolesAsync(account, now, "operator.roles-revoked", cancellationToken);
        }

        return await GetAsync(id, cancellationToken);
    }

    internal static string HashPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"a password must have {MinPasswordLength} to {MaxPasswordLength} characters; this one has {password.Length}. A passphrase of a few words is easy to remember.");
        }

        return Hasher.HashPassword(null!, password);
    }

    internal async Task InsertAsync(StoreTransaction tx, OperatorId id, string login, string displayName, IReadOnlyList<string> roles, OperatorOrigin origin,
        string? externalSubject, string? passwordHash, bool mustReplace, CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            INSERT INTO platform.operators (operator_id, login, display_name, roles, origin, external_subject, password_hash, must_replace_credential, created_at, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = login });
        cmd.Parameters.Add(new() { Value = displayName });
        cmd.Parameters.Add(new() { Value = roles.ToArray() });
        cmd.Parameters.Add(new() { Value = Code(origin) });
        cmd.Parameters.Add(new() { Value = (object?)externalSubject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)passwordHash ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = mustReplace });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, e.ConstraintName == "operators_external"
                ? $"an account already signs in as {externalSubject} through {Describe(origin)}."
                : $"an operator with the login '{login}' exists already (logins that differ only in case, surrounding spaces or Unicode form are one person); choose another login.");
        }
    }

    /// <summary>The one-time credential has done its job: it stops working, and the account is an ordinary one.</summary>
    internal static async Task CredentialReplacedAsync(StoreTransaction tx, OperatorId id, DateTimeOffset now, CancellationToken ct)
    {
        await using (var account = tx.Command("UPDATE platform.operators SET must_replace_credential = false WHERE operator_id = $1"))
        {
            account.Parameters.Add(new() { Value = id.Value });
            await account.ExecuteNonQueryAsync(ct);
        }

        await using var token = tx.Command("UPDATE platform.api_tokens SET revoked_at = $2, revoked_by = 'lifeboat' WHERE operator_id = $1 AND kind = 'bootstrap' AND revoked_at IS NULL");
        token.Parameters.Add(new() { Value = id.Value });
        token.Parameters.Add(new() { Value = now });
        await token.ExecuteNonQueryAsync(ct);
    }

    internal async Task<Principal> PrincipalOfAsync(OperatorAccount account, AuthenticationMethod method, ApiTokenId? token, CancellationToken ct)
    {
        var emergency = await EmergencyAccess.InForceAsync(_context, account.Id, ct);
        return new Principal(account.Login, account.DisplayName, account.Roles, method, account.Id, token, emergency?.Id, emergency?.ExpiresAt);
    }

    internal static OperatorAccount Read(NpgsqlDataReader r, int at = 0) => new(
        OperatorId.Parse(r.GetString(at)), r.GetString(at + 1), r.GetString(at + 2), r.GetFieldValue<string[]>(at + 3), Origin(r.GetString(at + 4)),
        r.IsDBNull(at + 5) ? null : r.GetString(at + 5), r.GetBoolean(at + 6), r.GetBoolean(at + 7), r.GetFieldValue<DateTimeOffset>(at + 8), r.GetString(at + 9),
        r.IsDBNull(at + 10) ? null : r.GetFieldValue<DateTimeOffset>(at + 10), r.IsDBNull(at + 11) ? null : r.GetString(at + 11));

    internal static void RequireLogin(string login)
    {
        var trimmed = login?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxLoginLength || !trimmed.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"'{login}' is not a login: use 1 to {MaxLoginLength} letters, digits, '.', '_', '-' or '@' (an e-mail address will do).");
        }

        if (ReservedLogins.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"'{login}' is the name Lifeboat itself acts as in the audit log, so no person may take it; choose another login.");
        }
    }

    internal static string Code(OperatorOrigin origin) => origin switch
    {
        OperatorOrigin.OpenIdConnect => "oidc",
        OperatorOrigin.OsUser => "os",
        _ => "local",
    };

    private static OperatorOrigin Origin(string code) => code switch
    {
        "oidc" => OperatorOrigin.OpenIdConnect,
        "os" => OperatorOrigin.OsUser,
        _ => OperatorOrigin.Local,
    };

    private static string Describe(OperatorOrigin origin) => origin switch
    {
        OperatorOrigin.OpenIdConnect => "the OpenID Connect provider",
        OperatorOrigin.OsUser => "the OS user of the machine",
        _ => "a local password",
    };

    private static string RequireDisplayName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length is 0 or > 200 || trimmed.Any(char.IsControl)
            ? throw new PlatformException(PlatformErrorKind.Invalid, "a display name must have 1 to 200 characters, none of them control characters.")
            : trimmed;
    }

    private static void RequireReason(string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a reason is required: say why, for the audit log.");
        }
    }

    private async Task<Principal?> BootstrapPrincipalAsync(OperatorAccount account, string credential, CancellationToken ct)
    {
        var check = await new ApiTokens(_context, _audit, this).AuthenticateAsync(credential, ct);
        return check.Principal is { Method: AuthenticationMethod.Bootstrap, Operator: { } owner } principal && owner == account.Id ? principal : null;
    }

    private async Task SetRolesAsync(OperatorAccount account, IReadOnlyList<string> roles, string step, CancellationToken ct)
    {
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
        await using (var cmd = tx.Command("UPDATE platform.operators SET roles = $2 WHERE operator_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = account.Id.Value });
            cmd.Parameters.Add(new() { Value = roles.ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await _audit.WriteAsync(account.Id.Value, step, null, [account.Id.Value], new { login = account.Login, before = account.Roles, after = roles }, ct, tx);
        await tx.CommitAsync(ct);
    }

    private static async Task<OperatorAccount?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }
}
