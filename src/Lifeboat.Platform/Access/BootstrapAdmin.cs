using System.Text;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Access;

/// <summary>The one-time credential of a fresh environment's admin: shown once, and written to a file only its owner can read.</summary>
public sealed record BootstrapCredential(string Login, string Secret, string File, DateTimeOffset ExpiresAt);

/// <summary>
/// First start, as Grafana and Jenkins do it: an environment with no operators gets one, "admin",
/// with a one-time credential. The credential can only set the admin's password or create a token
/// (<see cref="Principal.MustReplaceCredential"/>), and stops working as soon as either is done.
/// Should it lapse unused (after <see cref="ApiTokens.BootstrapLifetime"/>), the next start issues
/// a new one, for as long as the admin has not replaced it.
/// </summary>
public sealed class BootstrapAdmin
{
    public const string Login = "admin";
    public const string FileName = "bootstrap-admin.txt";

    private const long BootstrapLockKey = 0x4C42_424F_4F54_5354; // "LBBOOTST"

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;
    private readonly Operators _operators;
    private readonly ApiTokens _tokens;

    internal BootstrapAdmin(PlatformContext context, AuditLog audit, Operators operators, ApiTokens tokens)
    {
        _context = context;
        _audit = audit;
        _operators = operators;
        _tokens = tokens;
    }

    /// <summary>
    /// Creates the admin and its credential when the environment has no operator (or the admin's
    /// credential lapsed unused), writing it to <paramref name="credentialFile"/> (owner-only from
    /// creation). Null when there was nothing to do. Several processes starting at once create one admin.
    /// </summary>
    public async Task<BootstrapCredential?> EnsureAsync(string credentialFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(credentialFile);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var lockCmd = tx.Command($"SELECT pg_advisory_xact_lock({BootstrapLockKey})"))
        {
            await lockCmd.ExecuteNonQueryAsync(cancellationToken);
        }

        OperatorId admin;
        await using (var state = tx.Command("""
            SELECT (SELECT count(*) FROM platform.operators),
                   (SELECT o.operator_id FROM platform.operators o
                    WHERE o.must_replace_credential AND o.disabled_at IS NULL
                      AND NOT EXISTS (SELECT 1 FROM platform.api_tokens t WHERE t.operator_id = o.operator_id AND t.kind = 'bootstrap'
                                      AND t.revoked_at IS NULL AND t.expires_at > $1)
                    LIMIT 1)
            """))
        {
            state.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await using var reader = await state.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var count = reader.GetInt64(0);
            if (count > 0 && reader.IsDBNull(1))
            {
                return null;
            }

            admin = count == 0 ? TypedId.New<OperatorId>(_context.Time) : OperatorId.Parse(reader.GetString(1));
            if (count == 0)
            {
                await reader.DisposeAsync();
                await _operators.InsertAsync(tx, admin, Login, "Administrator", [Roles.Admin], OperatorOrigin.Local, null, null, mustReplace: true, cancellationToken);
                await _audit.WriteAsync(admin.Value, "operator.created", null, [admin.Value],
                    new { login = Login, roles = new[] { Roles.Admin }, origin = "local", bootstrap = true }, cancellationToken, tx);
            }
        }

        var created = await _tokens.CreateAsync(ApiTokenKind.Bootstrap, admin, Login, "bootstrap credential", [Roles.Admin], ApiTokens.BootstrapLifetime,
            cancellationToken, tx);
        var credential = new BootstrapCredential(Login, created.Secret, credentialFile, created.Token.ExpiresAt);
        Write(credential);
        try
        {
            await tx.CommitAsync(cancellationToken);
        }
        catch
        {
            File.Delete(credentialFile);
            throw;
        }

        return credential;
    }

    /// <summary>
    /// Local mode's zero set-up: on an environment with no operator at all, the OS user running the
    /// CLI becomes its first admin (an account of origin OS user). Null when the environment has an
    /// operator already: then an admin adds OS users. Takes the same lock as <see cref="EnsureAsync"/>,
    /// so a server starting at the same moment and a CLI never both make a first admin.
    /// </summary>
    public async Task<OperatorAccount?> FirstOsUserAsync(string osUser, CancellationToken cancellationToken = default)
    {
        Operators.RequireLogin(osUser);
        var id = TypedId.New<OperatorId>(_context.Time);
        await using (var tx = await _context.Store.BeginTransactionAsync(cancellationToken))
        {
            await using (var lockCmd = tx.Command($"SELECT pg_advisory_xact_lock({BootstrapLockKey})"))
            {
                await lockCmd.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var count = tx.Command("SELECT EXISTS (SELECT 1 FROM platform.operators)"))
            {
                if ((bool)(await count.ExecuteScalarAsync(cancellationToken))!)
                {
                    return null;
                }
            }

            var login = osUser.Trim();
            await _operators.InsertAsync(tx, id, login, login, [Roles.Admin], OperatorOrigin.OsUser, login, null, mustReplace: false, cancellationToken);
            await _audit.WriteAsync(id.Value, "operator.created", null, [id.Value],
                new { login, roles = new[] { Roles.Admin }, origin = "os", externalSubject = login, bootstrap = "first OS user of a fresh environment" }, cancellationToken, tx);
            await tx.CommitAsync(cancellationToken);
        }

        return await _operators.GetAsync(id, cancellationToken);
    }

    /// <summary>Owner-only from the moment the file exists (not a chmod afterwards), so no other user can ever have read it.</summary>
    private static void Write(BootstrapCredential credential)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(credential.File)) is { } folder)
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // A lapsed credential's file is replaced, not rewritten in place, so the new one is created owner-only too.
        File.Delete(credential.File);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using var stream = new FileStream(credential.File, options);
        stream.Write(Encoding.UTF8.GetBytes($"""
            Lifeboat's first admin. This credential works once, and only to set a password or create a token:
              login:      {credential.Login}
              credential: {credential.Secret}
              expires:    {credential.ExpiresAt:u}
            Sign in to the console (/account/sign-in) with it as the password and set a new password there
            (or PUT /api/me/password), or create a token with it (POST /api/me/tokens, Authorization: Bearer
            <credential>; lifeboat login --token-file does that). Then delete this file.

            """));
        stream.Flush(flushToDisk: true);
    }
}
