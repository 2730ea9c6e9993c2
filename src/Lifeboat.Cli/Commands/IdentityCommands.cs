using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Lifeboat.Cli.Identity;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Spectre.Console;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat whoami | login | logout | token | operator`: who acts, and the credentials and accounts of those who may.</summary>
internal static partial class IdentityCommands
{
    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*>")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex AntiforgeryValue();

    public static IEnumerable<Command> Create(GlobalOptions g, IAnsiConsole console) =>
        [WhoAmI(g, console), Login(g, console), Logout(g, console), Tokens(g, console), OperatorsCommand(g, console)];

    private static Command WhoAmI(GlobalOptions g, IAnsiConsole console) =>
        new Command("whoami", "Who the CLI acts as here, with which roles, and how that was decided").WithSession(g, Permissions.AccountSelf, (p, session, ct) =>
        {
            var who = session.Principal;
            var how = who.Method == AuthenticationMethod.OsUser
                ? $"the OS user {g.Environment.OsUser}'s operator"
                : $"the API token {who.Token} from {g.TokenOf(p)?.Source}";
            console.MarkupLine($"{E(who.Login)} ({E(who.DisplayName)}), roles: {E(Roles(who.Roles))}; on the database directly (local mode), as {E(how)}.");
            return Task.FromResult(LifeboatCli.Ok);
        }, async (p, target, ct) =>
        {
            var me = await target.GetAsync("api/me", ct);
            console.MarkupLine($"{E(Text(me, "login"))} ({E(Text(me, "displayName") ?? Text(me, "login"))}), roles: {E(Roles(Strings(me["roles"])))}; " +
                $"through the server {E(target.Server)}, with {E(target.TokenSource)}.");
            return LifeboatCli.Ok;
        });

    private static Command Login(GlobalOptions g, IAnsiConsole console)
    {
        var name = new Option<string?>("--name") { Description = "What the new token is for (default: lifeboat CLI on this machine)" };
        var days = new Option<int?>("--days") { Description = "How many days the token lives (default: the server's, 30)" };
        var login = new Command("login", "Sign in to a server (--server URL): creates a personal token and keeps it, owner-only, in $XDG_CONFIG_HOME/lifeboat") { name, days };
        login.NeedsNoPermission("signs in: it is how a principal is established; the server checks the login, the password or the token given");
        login.SetAction(async (p, ct) =>
        {
            var server = p.GetValue(g.Server) is { } s ? RemoteTarget.Url(s)
                : throw new PlatformException(PlatformErrorKind.Invalid, "say which server to sign in to: lifeboat login --server http://host:port.");
            var tokenName = p.GetValue(name) ?? $"lifeboat CLI on {Environment.MachineName}";
            var body = new { name = tokenName, expiresInDays = p.GetValue(days) };
            JsonNode created;
            if (g.TokenOf(p) is { } given)
            {
                // No terminal, or a token already: a new personal token is made with it, so the saved one can be revoked on its own.
                created = await new RemoteTarget(server, given.Secret, given.Source).PostAsync("api/me/tokens", body, ct);
            }
            else if (g.Environment.Interactive)
            {
                created = await WithPasswordAsync(server, g.Environment, body, ct);
            }
            else
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    "there is no terminal to ask for a login and password, and no token was given: give one with --token-file FILE or LIFEBOAT_TOKEN. " +
                    "A password is never taken from an argument, where other users and the shell's history could read it.");
            }

            var secret = Text(created, "secret") ?? throw new PlatformException(PlatformErrorKind.Invalid, $"{server} answered without a token; it may be an older Lifeboat server.");
            var token = created["token"] ?? created;
            var saved = new SavedLogin(server.ToString(), secret, Text(token, "id") ?? "", Text(token, "principal") ?? Text(token, "login") ?? "");
            var me = await new RemoteTarget(server, secret, "the new token").GetAsync("api/me", ct);
            saved = saved with { Login = Text(me, "login") ?? saved.Login };
            saved.Write(g.Environment);
            console.MarkupLine($"Signed in to {E(server)} as [bold]{E(saved.Login)}[/] (roles: {E(Roles(Strings(me["roles"])))}); token {E(saved.TokenId)} kept in {E(SavedLogin.PathIn(g.Environment))} (owner-only). " +
                "Commands with an HTTP endpoint now go to this server; lifeboat logout revokes the token.");
            return LifeboatCli.Ok;
        });
        return login;
    }

    /// <summary>Login and password from the terminal (the password unechoed), exchanged for a session, and the session for a personal token.</summary>
    private static async Task<JsonNode> WithPasswordAsync(Uri server, CliEnvironment environment, object body, CancellationToken ct)
    {
        var login = environment.Ask("Login: ", false)?.Trim();
        var password = environment.Ask("Password: ", true);
        if (string.IsNullOrEmpty(login) || string.IsNullOrEmpty(password))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a login and a password are needed to sign in; nothing was done.");
        }

        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = server, Timeout = RemoteTarget.Timeout };
        // The sign-in form carries the antiforgery token of the console's sign-in page (so no other site can sign
        // a browser in), so the CLI signs in as a browser does: it reads the page, then posts the form with its token.
        using var page = await client.GetAsync("account/sign-in", ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        if (AntiforgeryField().Match(html) is not { Success: true } field || AntiforgeryValue().Match(field.Value) is not { Success: true } value)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{server} has no console sign-in page to sign in with a password ({(int)page.StatusCode}); nothing was saved. Sign in with a token instead (--token-file or LIFEBOAT_TOKEN).");
        }

        using var signIn = await client.PostAsync("account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["login"] = login,
            ["password"] = password,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(value.Groups[1].Value),
        }), ct);
        var to = signIn.Headers.Location?.OriginalString ?? "";
        if (signIn.StatusCode != HttpStatusCode.SeeOther || to.Contains("failed=true", StringComparison.Ordinal) || to.Contains("expired=true", StringComparison.Ordinal))
        {
            throw new AccessDeniedException(Permissions.AccountSelf, $"{server} did not accept that login and password; nothing was saved. Try again, or sign in with a token (--token-file).");
        }

        if (to.StartsWith("/account/password", StringComparison.Ordinal))
        {
            throw new AccessDeniedException(Permissions.AccountSelf, "that is the one-time bootstrap credential, which only replaces itself: log in with it as a token (--token-file), or set a password with it first (in the console at /account/password, or PUT /api/me/password), then log in again; nothing was saved.");
        }

        using var response = await client.PostAsync("api/me/tokens", System.Net.Http.Json.JsonContent.Create(body), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode && JsonNode.Parse(text) is { } created
            ? created
            : throw new PlatformException(PlatformErrorKind.Invalid, $"{server} signed you in but did not create a token ({(int)response.StatusCode}); nothing was saved.");
    }

    private static Command Logout(GlobalOptions g, IAnsiConsole console)
    {
        var logout = new Command("logout", "Revoke the saved login's token on its server and remove it from this machine");
        logout.NeedsNoPermission("ends one's own saved login: the server checks the token it revokes");
        logout.SetAction(async (_, ct) =>
        {
            if (SavedLogin.Read(g.Environment) is not { } saved)
            {
                console.MarkupLine("No saved login on this machine; nothing to do.");
                return LifeboatCli.Ok;
            }

            var revoked = "";
            try
            {
                await new RemoteTarget(RemoteTarget.Url(saved.Server), saved.Token, "your saved login").DeleteAsync($"api/me/tokens/{saved.TokenId}", ct);
                revoked = $"token {saved.TokenId} revoked on {saved.Server}";
            }
            catch (PlatformException e)
            {
                // The file goes anyway: a login the user asked to end must not stay on the disk.
                revoked = $"the token could not be revoked ({e.Message}); an admin can revoke {saved.TokenId}";
            }

            SavedLogin.Remove(g.Environment);
            console.MarkupLine($"Signed out of {E(saved.Server)}: {E(revoked)}; {E(SavedLogin.PathIn(g.Environment))} removed.");
            return LifeboatCli.Ok;
        });
        return logout;
    }

    private static Command Tokens(GlobalOptions g, IAnsiConsole console)
    {
        var token = new Command("token", "API tokens: personal (acting as you, with your roles or fewer) or, for an admin, of a service");

        var name = Arg("name", "What it is for (\"laptop\", \"nightly backups\")");
        var roles = RolesOption("The roles it holds (default: all of its owner's; never more)", required: false);
        var days = new Option<int?>("--days") { Description = "How many days it lives (default 30, at most 365)" };
        var forLogin = new Option<string?>("--for") { Description = "An operator other than you (admin: operators.manage)" };
        var service = new Option<string?>("--service") { Description = "A service token, acting as service:NAME with --roles (admin: operators.manage)" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the secret to this new file, owner-only (0600), instead of the terminal" };
        token.Add(new Command("create", "Create a token; its secret is shown (or written) this once, and only its hash is kept") { name, roles, days, forLogin, service, output }
            .WithSession(g, Permissions.AccountSelf, async (p, session, ct) =>
            {
                var lifetime = p.GetValue(days) is { } d ? TimeSpan.FromDays(d) : (TimeSpan?)null;
                CreatedApiToken created;
                if (p.GetValue(service) is { } serviceName)
                {
                    session.Principal.Require(Permissions.OperatorsManage);
                    created = await session.Platform.Tokens.CreateServiceAsync(serviceName, p.GetValue(name)!, RolesOf(p, roles) ?? [], lifetime, ct);
                }
                else
                {
                    var owner = p.GetValue(forLogin) is { } other ? await OtherAsync(session, other, ct) : Own(session);
                    created = await session.Platform.Tokens.CreatePersonalAsync(owner, p.GetValue(name)!, RolesOf(p, roles), lifetime, ct);
                }

                await ShowSecretAsync(console, created.Token.Id.Value, created.Token.Principal, created.Token.Roles, created.Token.ExpiresAt, created.Secret, p.GetValue(output), ct);
                return LifeboatCli.Ok;
            }, async (p, target, ct) =>
            {
                if (p.GetValue(service) is not null || p.GetValue(forLogin) is not null)
                {
                    throw new PlatformException(PlatformErrorKind.Invalid, "--for and --service work on the database directly (--local); through a server, create your own tokens.");
                }

                var created = await target.PostAsync("api/me/tokens", new { name = p.GetValue(name), roles = RolesOf(p, roles), expiresInDays = p.GetValue(days) }, ct);
                var t = created["token"] ?? created;
                await ShowSecretAsync(console, Text(t, "id") ?? "", Text(t, "principal") ?? "", Strings(t["roles"]), t["expiresAt"]?.GetValue<DateTimeOffset>(),
                    Text(created, "secret") ?? "", p.GetValue(output), ct);
                return LifeboatCli.Ok;
            }));

        var all = new Option<bool>("--all") { Description = "Every operator's and service's tokens (admin: operators.manage)" };
        var revoked = new Option<bool>("--revoked") { Description = "Revoked tokens too" };
        token.Add(new Command("list", "Your tokens (never their secrets), newest first") { all, revoked }.WithSession(g, Permissions.AccountSelf, async (p, session, ct) =>
        {
            if (p.GetValue(all))
            {
                session.Principal.Require(Permissions.OperatorsManage);
            }

            var list = await session.Platform.Tokens.ListAsync(p.GetValue(all) ? null : Own(session), p.GetValue(revoked), cancellationToken: ct);
            var table = new Table().AddColumns("Token", "Kind", "Principal", "Name", "Roles", "Expires", "Last used", "Revoked");
            foreach (var t in list)
            {
                table.AddRow(t.Id.Value, t.Kind.ToString(), E(t.Principal), E(t.Name), E(Roles(t.Roles)), StoreCommands.Time(t.ExpiresAt),
                    t.LastUsedAt is { } used ? StoreCommands.Time(used) : "-", t.RevokedAt is { } r ? $"{StoreCommands.Time(r)} by {E(t.RevokedBy)}" : "");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            var table = new Table().AddColumns("Token", "Name", "Roles", "Expires", "Last used", "Revoked");
            foreach (var t in (await target.GetAsync("api/me/tokens", ct)).AsArray().OfType<JsonNode>())
            {
                table.AddRow(E(Text(t, "id")), E(Text(t, "name")), E(Roles(Strings(t["roles"]))), E(Text(t, "expiresAt")), E(Text(t, "lastUsedAt") ?? "-"), E(Text(t, "revokedAt") ?? ""));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        var revokeId = Arg("token", "The token (tok_…)");
        token.Add(new Command("revoke", "Revoke a token: it stops working at once here, and on a server within its cache's few seconds") { revokeId }
            .WithSession(g, Permissions.AccountSelf, async (p, session, ct) =>
            {
                var id = ApiTokenId.Parse(p.GetValue(revokeId));
                var found = await session.Platform.Tokens.GetAsync(id, ct);
                if (found.Operator != session.Principal.Operator || found.Operator is null)
                {
                    session.Principal.Require(Permissions.OperatorsManage);
                }

                console.MarkupLine(await session.Platform.Tokens.RevokeAsync(id, ct)
                    ? $"Revoked {id} ({E(found.Principal)}, '{E(found.Name)}'): it no longer works."
                    : $"{id} was revoked already; nothing changed.");
                return LifeboatCli.Ok;
            }, async (p, target, ct) =>
            {
                var id = ApiTokenId.Parse(p.GetValue(revokeId));
                await target.DeleteAsync($"api/me/tokens/{id}", ct);
                console.MarkupLine($"Revoked {id} on {E(target.Server)}: it stops working within the server's token cache time.");
                return LifeboatCli.Ok;
            }));
        return token;
    }

    private static Command OperatorsCommand(GlobalOptions g, IAnsiConsole console)
    {
        var op = new Command("operator", "Operator accounts (admin): who may act, with which roles; disabled, never deleted");

        var disabledToo = new Option<bool>("--enabled-only") { Description = "Leave out disabled accounts" };
        op.Add(new Command("list", "Every operator account, oldest first") { disabledToo }.With(g, Permissions.OperatorsManage, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Operator", "Login", "Name", "Roles", "Signs in", "Created", "Disabled");
            foreach (var a in await platform.Operators.ListAsync(!p.GetValue(disabledToo), cancellationToken: ct))
            {
                table.AddRow(a.Id.Value, E(a.Login), E(a.DisplayName), E(Roles(a.Roles)), E(SignsIn(a)), StoreCommands.Time(a.CreatedAt),
                    a.DisabledAt is { } d ? $"{StoreCommands.Time(d)} by {E(a.DisabledBy)}" : "");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            var table = new Table().AddColumns("Operator", "Login", "Name", "Roles", "Disabled");
            foreach (var a in (await target.GetAsync("api/operators", ct)).AsArray().OfType<JsonNode>().Where(a => !p.GetValue(disabledToo) || a["disabledAt"] is null))
            {
                table.AddRow(E(Text(a, "id")), E(Text(a, "login")), E(Text(a, "displayName")), E(Roles(Strings(a["roles"]))), E(Text(a, "disabledAt") ?? ""));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        var login = Arg("login", "The operator's login (letters, digits, '.', '_', '-', '@'); with --os-user, the OS user's name");
        var roles = RolesOption("Its roles: " + string.Join(", ", Platform.Access.Roles.All), required: true);
        var osUser = new Option<bool>("--os-user") { Description = "The account of the OS user of that name, for local mode (otherwise a local account, which signs in to a server with a password or a token)" };
        var displayName = new Option<string?>("--name") { Description = "The person's name (default: the login)" };
        op.Add(new Command("add", "Add an operator account") { login, roles, osUser, displayName }.With(g, Permissions.OperatorsManage, console, async (p, platform, ct) =>
        {
            var l = p.GetValue(login)!;
            var a = await platform.Operators.CreateAsync(l, p.GetValue(displayName) ?? l, RolesOf(p, roles) ?? [],
                p.GetValue(osUser) ? OperatorOrigin.OsUser : OperatorOrigin.Local, p.GetValue(osUser) ? l.Trim() : null, cancellationToken: ct);
            return $"Operator [bold]{E(a.Login)}[/] ({a.Id}) with the roles {E(Roles(a.Roles))}; {E(SignsIn(a))}." + (a.Origin == OperatorOrigin.Local
                ? $" Give them a token (lifeboat token create <name> --for {E(a.Login)} --out FILE) or a password on the server."
                : "");
        }, async (p, target, ct) =>
        {
            var l = p.GetValue(login)!;
            var a = await target.PostAsync("api/operators", new
            {
                login = l, displayName = p.GetValue(displayName) ?? l, roles = RolesOf(p, roles), origin = p.GetValue(osUser) ? "os" : "local",
                externalSubject = p.GetValue(osUser) ? l.Trim() : null,
            }, ct);
            return $"Operator [bold]{E(Text(a, "login"))}[/] ({E(Text(a, "id"))}) with the roles {E(Roles(Strings(a["roles"])))} on {E(target.Server)}.";
        }));

        foreach (var (verb, disable) in new[] { ("disable", true), ("enable", false) })
        {
            var who = Arg("login", "The operator's login (or opr_…)");
            var reason = new Option<string>("--reason") { Description = "Why (recorded with the change)", Required = true };
            var command = new Command(verb, disable ? "Disable an account: it can no longer act, and its tokens stop working; its history stays" : "Enable a disabled account again") { who, reason };
            op.Add(command.With(g, Permissions.OperatorsManage, console, async (p, platform, ct) =>
            {
                var a = await FindAsync(platform, p.GetValue(who)!, ct);
                var changed = disable ? await platform.Operators.DisableAsync(a.Id, p.GetValue(reason)!, ct) : await platform.Operators.EnableAsync(a.Id, p.GetValue(reason)!, ct);
                return changed ? $"{E(a.Login)} is {verb}d." : $"{E(a.Login)} was {verb}d already; nothing changed.";
            }, disable ? async (p, target, ct) =>
            {
                var id = await RemoteIdAsync(target, p.GetValue(who)!, ct);
                await target.PostAsync($"api/operators/{id}/disable", new { reason = p.GetValue(reason) }, ct);
                return $"{E(p.GetValue(who))} is disabled on {E(target.Server)}.";
            } : null));
        }

        foreach (var (verb, grant) in new[] { ("grant", true), ("revoke", false) })
        {
            var who = Arg("login", "The operator's login (or opr_…)");
            var which = RolesOption(grant ? "The roles to add" : "The roles to take away (its tokens lose them too)", required: true);
            op.Add(new Command(verb, grant ? "Give an operator roles" : "Take roles from an operator") { who, which }.With(g, Permissions.OperatorsManage, console, async (p, platform, ct) =>
            {
                var a = await FindAsync(platform, p.GetValue(who)!, ct);
                var now = grant ? await platform.Operators.GrantRolesAsync(a.Id, RolesOf(p, which) ?? [], ct) : await platform.Operators.RevokeRolesAsync(a.Id, RolesOf(p, which) ?? [], ct);
                return $"{E(now.Login)} now holds: {E(Roles(now.Roles))}.";
            }));
        }

        return op;
    }

    private static Option<string[]> RolesOption(string description, bool required) => new("--roles")
    {
        Description = description + " (comma-separated, or the option repeated)",
        Required = required,
        AllowMultipleArgumentsPerToken = true,
    };

    private static IReadOnlyList<string>? RolesOf(ParseResult p, Option<string[]> option) =>
        p.GetValue(option) is { Length: > 0 } given
            ? given.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : null;

    private static OperatorId Own(CliSession session) => session.Principal.Operator
        ?? throw new PlatformException(PlatformErrorKind.Invalid, $"{session.Principal.Login} is a service, not an operator: it has no tokens of its own to manage.");

    private static async Task<OperatorId> OtherAsync(CliSession session, string login, CancellationToken ct)
    {
        var account = await FindAsync(session.Platform, login, ct);
        if (account.Id != session.Principal.Operator)
        {
            session.Principal.Require(Permissions.OperatorsManage);
        }

        return account.Id;
    }

    private static async Task<OperatorAccount> FindAsync(LifeboatPlatform platform, string loginOrId, CancellationToken ct) =>
        loginOrId.StartsWith(OperatorId.Kind.Prefix + "_", StringComparison.Ordinal)
            ? await platform.Operators.GetAsync(OperatorId.Parse(loginOrId), ct)
            : await platform.Operators.FindAsync(loginOrId, ct)
              ?? throw new PlatformException(PlatformErrorKind.NotFound, $"no operator has the login '{loginOrId}' here; lifeboat operator list shows them.");

    private static async Task<string> RemoteIdAsync(RemoteTarget target, string loginOrId, CancellationToken ct)
    {
        if (loginOrId.StartsWith(OperatorId.Kind.Prefix + "_", StringComparison.Ordinal))
        {
            return OperatorId.Parse(loginOrId).Value;
        }

        return (await target.GetAsync("api/operators", ct)).AsArray().OfType<JsonNode>()
            .FirstOrDefault(a => string.Equals(Text(a, "login"), loginOrId.Trim(), StringComparison.OrdinalIgnoreCase)) is { } found
            ? Text(found, "id")!
            : throw new PlatformException(PlatformErrorKind.NotFound, $"no operator has the login '{loginOrId}' on {target.Server}; lifeboat operator list shows them.");
    }

    private static async Task ShowSecretAsync(IAnsiConsole console, string id, string principal, IReadOnlyList<string> roles, DateTimeOffset? expires, string secret,
        FileInfo? output, CancellationToken ct)
    {
        var what = $"Token [bold]{E(id)}[/] for {E(principal)} (roles: {E(Roles(roles))}), expires {(expires is { } x ? StoreCommands.Time(x) : "-")}.";
        if (output is null)
        {
            console.MarkupLine($"{what} Its secret, shown this once (keep it in a file only you can read; use it with --token-file or LIFEBOAT_TOKEN):");
            console.Profile.Out.Writer.WriteLine(secret);
            return;
        }

        // Owner-only from creation, like the saved login; an existing file is not overwritten.
        await using (var stream = new FileStream(output.FullName, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteLineAsync(secret.AsMemory(), ct);
        }

        console.MarkupLine($"{what} Its secret is in {E(output.FullName)} (owner-only); use it with --token-file.");
    }

    private static string SignsIn(OperatorAccount a) => a.Origin switch
    {
        OperatorOrigin.OsUser => $"as the OS user {a.ExternalSubject} (local mode)",
        OperatorOrigin.OpenIdConnect => $"through OpenID Connect as {a.ExternalSubject}",
        _ => a.HasPassword ? "with a password or a token" : "with a token",
    };

    private static string Roles(IEnumerable<string> roles) => string.Join(", ", roles.DefaultIfEmpty("none"));

    private static string? Text(JsonNode? node, string property) => node?[property] is JsonValue v ? v.ToString() : null;

    private static List<string> Strings(JsonNode? array) => array is JsonArray a ? a.OfType<JsonNode>().Select(n => n.ToString()).ToList() : [];

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
