using Lifeboat.Platform;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Identity;

/// <summary>
/// Who acts in local mode (on the database directly): the principal of the token given, checked
/// against the database (expiry, revocation, a disabled owner); else the operator the OS user maps
/// to. On a fresh environment (no operator at all) the OS user becomes its first admin, said once on
/// stderr; on any other, an OS user no admin has added is refused.
/// </summary>
internal static class LocalIdentity
{
    public static async Task<Principal> ResolveAsync(LifeboatPlatform platform, (string Secret, string Source)? token, CliEnvironment environment, CancellationToken ct)
    {
        if (token is { } given)
        {
            var check = await platform.Tokens.AuthenticateAsync(given.Secret, ct);
            if (check.Principal is not { } principal)
            {
                throw new AccessDeniedException(Permissions.AccountSelf, $"the API token from {given.Source} was refused: {check.Refusal}");
            }

            if (principal.Token is { } id)
            {
                platform.Tokens.NoteUsed(id);
                await platform.Tokens.FlushUsageAsync(ct);
            }

            return principal;
        }

        var osUser = environment.OsUser;
        var account = await platform.Operators.FindExternalAsync(OperatorOrigin.OsUser, osUser, ct);
        if (account is null)
        {
            account = await platform.Bootstrap.FirstOsUserAsync(osUser, ct)
                ?? throw new AccessDeniedException(Permissions.AccountSelf,
                    $"the OS user {osUser} is not an operator of this environment. Ask an admin to add you " +
                    $"(lifeboat operator add {osUser} --roles <roles> --os-user), or act with an API token (LIFEBOAT_TOKEN, or --token-file FILE).");
            await environment.Error.WriteLineAsync(
                $"lifeboat: this environment had no operator, so the OS user {osUser} is now its first operator, '{account.Login}', with the role admin. " +
                "Add the others with: lifeboat operator add <login> --roles <roles> --os-user");
        }

        return await platform.Operators.PrincipalOfAsync(account.Id, AuthenticationMethod.OsUser, ct);
    }
}
