using System.Collections.Concurrent;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Security;

/// <summary>
/// Token checks without a database round trip per request: the answer for a token (its principal,
/// or why it is refused) is kept in memory, keyed by the token's hash, for
/// <see cref="Lifetime"/> (<c>Lifeboat:Auth:TokenCacheSeconds</c>, default 5), and never past the
/// token's own expiry or the end of its emergency access. So a revocation, a disabled owner or a
/// role taken away takes effect within that many seconds on every server.
/// The principal of a signed-in (cookie) operator is kept the same way, keyed by its account. The
/// bootstrap credential's answer is never kept, so it stops working as soon as it is replaced.
/// </summary>
public sealed class TokenCache(PlatformLifetime lifetime, TimeProvider time, IConfiguration configuration)
{
    public const string LifetimeKey = "Lifeboat:Auth:TokenCacheSeconds";

    /// <summary>More entries than this and the cache starts afresh: a flood of made-up tokens cannot grow it without bound.</summary>
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public TimeSpan Lifetime { get; } = TimeSpan.FromSeconds(Math.Clamp(configuration.GetValue(LifetimeKey, 5), 0, 60));

    /// <summary>The principal of a bearer token, or why it does not work.</summary>
    public async ValueTask<TokenCheck> CheckTokenAsync(string secret, CancellationToken ct)
    {
        var key = "t:" + Convert.ToHexString(ApiTokens.HashOf(secret));
        if (Fresh(key) is { } cached)
        {
            return cached;
        }

        var check = await lifetime.Platform.Tokens.AuthenticateAsync(secret, ct);
        return Keep(key, check);
    }

    /// <summary>
    /// The principal of a signed-in account now (its roles may have changed; it may be disabled, its password
    /// changed since <paramref name="credentialStamp"/> was taken at sign-in), or why it can no longer act.
    /// </summary>
    public async ValueTask<TokenCheck> CheckOperatorAsync(Platform.OperatorId id, AuthenticationMethod method, string? credentialStamp, CancellationToken ct)
    {
        var key = $"o:{id}:{method}:{credentialStamp}";
        if (Fresh(key) is { } cached)
        {
            return cached;
        }

        TokenCheck check;
        try
        {
            var principal = await lifetime.Platform.Operators.PrincipalOfAsync(id, method, ct);
            var account = await lifetime.Platform.Operators.GetAsync(id, ct);
            check = method == AuthenticationMethod.Bootstrap && !account.MustReplaceCredential
                ? TokenCheck.Refused("the bootstrap credential has been replaced; sign in with the new password.")
                : method == AuthenticationMethod.Password && await lifetime.Platform.Operators.CredentialStampAsync(id, ct) != credentialStamp
                    ? TokenCheck.Refused($"the password of {account.Login} was changed after this session began; sign in again with the new one.")
                    : new TokenCheck(principal, null, principal.EmergencyUntil);
        }
        catch (Platform.PlatformException e)
        {
            check = TokenCheck.Refused(e.Message);
        }

        return Keep(key, check);
    }

    private TokenCheck? Fresh(string key) =>
        _entries.TryGetValue(key, out var entry) && entry.Until > time.GetUtcNow() ? entry.Check : null;

    private TokenCheck Keep(string key, TokenCheck check)
    {
        // The bootstrap credential is never kept: it must stop working the moment it is replaced, and it is used a few times at most.
        if (Lifetime <= TimeSpan.Zero || check.Principal is { MustReplaceCredential: true })
        {
            return check;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var until = time.GetUtcNow() + Lifetime;
        if (check.ValidUntil is { } valid && valid < until)
        {
            until = valid;
        }

        _entries[key] = new Entry(check, until);
        return check;
    }

    private sealed record Entry(TokenCheck Check, DateTimeOffset Until);
}
