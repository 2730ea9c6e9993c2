using Lifeboat.Platform.Access;

namespace Lifeboat.Platform.Tests;

/// <summary>Who acts: operator accounts, API tokens, the bootstrap admin and emergency access, against a real database.</summary>
public sealed class AccessTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private const string Password = "correct horse battery staple";

    private LifeboatPlatform Platform => fixture.Platform;

    private LifeboatPlatform AsAdmin => Platform.WithActor("root-admin");

    private static string Unique(string name) => $"{name}{Guid.NewGuid():n}"[..20];

    [Fact]
    public async Task Create_ALoginThatDiffersOnlyInCase_IsRefusedAsTheSamePerson()
    {
        var login = Unique("alice");
        await AsAdmin.Operators.CreateAsync(login, "Alice", [Roles.Operator]);

        var refused = await Should.ThrowAsync<PlatformException>(() => AsAdmin.Operators.CreateAsync(login.ToUpperInvariant(), "Alice again", [Roles.Viewer]));

        refused.Kind.ShouldBe(PlatformErrorKind.Conflict);
        refused.Message.ShouldContain("exists already");
        (await Platform.Operators.FindAsync($" {login.ToUpperInvariant()} "))!.Login.ShouldBe(login);
    }

    [Fact]
    public async Task Create_AnUnknownRoleOrAReservedLogin_IsRefusedWithWhatThereIs()
    {
        var role = await Should.ThrowAsync<PlatformException>(() => AsAdmin.Operators.CreateAsync(Unique("bob"), "Bob", ["superuser"]));
        role.Message.ShouldContain("'superuser' is not a role");
        role.Message.ShouldContain("incident-commander");

        var reserved = await Should.ThrowAsync<PlatformException>(() => AsAdmin.Operators.CreateAsync("Detector", "Not the detector", [Roles.Viewer]));
        reserved.Message.ShouldContain("Lifeboat itself acts as");
    }

    [Fact]
    public async Task VerifyPassword_RightWrongAndDisabled()
    {
        var login = Unique("carol");
        var carol = await AsAdmin.Operators.CreateAsync(login, "Carol", [Roles.Approver], password: Password);

        var principal = await Platform.Operators.VerifyPasswordAsync(login.ToUpperInvariant(), Password);
        principal.ShouldNotBeNull();
        principal.Login.ShouldBe(login);
        principal.Method.ShouldBe(AuthenticationMethod.Password);
        principal.Has(Permissions.PlansApprove).ShouldBeTrue();
        principal.Has(Permissions.PlansSubmit).ShouldBeFalse();
        (await Platform.Operators.VerifyPasswordAsync(login, Password + "!")).ShouldBeNull();
        (await Platform.Operators.VerifyPasswordAsync(Unique("nobody"), Password)).ShouldBeNull();

        (await AsAdmin.Operators.DisableAsync(carol.Id, "left the company")).ShouldBeTrue();
        (await Platform.Operators.VerifyPasswordAsync(login, Password)).ShouldBeNull();
        var audit = await Platform.Audit.OfAsync(carol.Id.Value);
        audit.Select(a => (a.Step, a.Actor)).ShouldBe([("operator.created", "root-admin"), ("operator.sign-in-refused", "test"), ("operator.disabled", "root-admin")]);
    }

    [Fact]
    public async Task SetPassword_TooShort_IsRefusedAndChangesNothing()
    {
        var login = Unique("dave");
        var dave = await AsAdmin.Operators.CreateAsync(login, "Dave", [Roles.Viewer], password: Password);

        var refused = await Should.ThrowAsync<PlatformException>(() => AsAdmin.Operators.SetPasswordAsync(dave.Id, "short"));

        refused.Message.ShouldContain("12 to 256 characters");
        (await Platform.Operators.VerifyPasswordAsync(login, Password)).ShouldNotBeNull();
    }

    [Fact]
    public async Task PersonalToken_ActsAsItsOwner_WithinTheOwnersRolesOnly()
    {
        var login = Unique("erin");
        var erin = await AsAdmin.Operators.CreateAsync(login, "Erin", [Roles.Operator, Roles.Approver]);

        var beyond = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor(login).Tokens.CreatePersonalAsync(erin.Id, "laptop", [Roles.Admin]));
        beyond.Message.ShouldContain("does not hold admin");

        var created = await Platform.WithActor(login).Tokens.CreatePersonalAsync(erin.Id, "laptop", [Roles.Operator, Roles.Approver]);
        created.Secret.ShouldStartWith("lbt_");
        var check = await Platform.Tokens.AuthenticateAsync(created.Secret);
        check.Principal!.Login.ShouldBe(login);
        check.Principal.Token.ShouldBe(created.Token.Id);
        check.Principal.Has(Permissions.PlansApprove).ShouldBeTrue();

        // A role taken from the owner is taken from the token.
        await AsAdmin.Operators.RevokeRolesAsync(erin.Id, [Roles.Approver]);
        (await Platform.Tokens.AuthenticateAsync(created.Secret)).Principal!.Has(Permissions.PlansApprove).ShouldBeFalse();
    }

    [Fact]
    public async Task Token_RevokedExpiredOrOfADisabledOwner_IsRefusedSayingWhy()
    {
        var login = Unique("frank");
        var frank = await AsAdmin.Operators.CreateAsync(login, "Frank", [Roles.Viewer]);
        var revoked = await Platform.WithActor(login).Tokens.CreatePersonalAsync(frank.Id, "old laptop");
        var shortLived = await Platform.WithActor(login).Tokens.CreatePersonalAsync(frank.Id, "one hour", lifetime: TimeSpan.FromHours(1));
        var kept = await Platform.WithActor(login).Tokens.CreatePersonalAsync(frank.Id, "desktop");

        (await Platform.WithActor(login).Tokens.RevokeAsync(revoked.Token.Id)).ShouldBeTrue();
        (await Platform.Tokens.AuthenticateAsync(revoked.Secret)).Refusal!.ShouldContain("was revoked");

        fixture.Clock.Advance(TimeSpan.FromHours(2));
        (await Platform.Tokens.AuthenticateAsync(shortLived.Secret)).Refusal!.ShouldContain("expired");
        (await Platform.Tokens.AuthenticateAsync(kept.Secret)).Principal.ShouldNotBeNull();

        await AsAdmin.Operators.DisableAsync(frank.Id, "on leave");
        (await Platform.Tokens.AuthenticateAsync(kept.Secret)).Refusal!.ShouldContain("is disabled");
        (await Platform.Tokens.AuthenticateAsync("lbt_" + new string('a', 43))).Refusal!.ShouldContain("not known here");
    }

    [Fact]
    public async Task ServiceToken_IsAPrincipalOfItsOwn()
    {
        var created = await AsAdmin.Tokens.CreateServiceAsync("nightly-backups", "cron on backup-1", [Roles.Restorer]);

        var principal = (await Platform.Tokens.AuthenticateAsync(created.Secret)).Principal!;

        principal.Login.ShouldBe("service:nightly-backups");
        principal.Operator.ShouldBeNull();
        principal.Has(Permissions.BackupsWrite).ShouldBeTrue();
        principal.Has(Permissions.OperatorsManage).ShouldBeFalse();
        (await Should.ThrowAsync<PlatformException>(() => AsAdmin.Tokens.CreateServiceAsync("x", "no roles", []))).Message.ShouldContain("at least one role");
        (await Should.ThrowAsync<PlatformException>(() => AsAdmin.Tokens.CreateServiceAsync("x", "forever", [Roles.Viewer], TimeSpan.FromDays(400))))
            .Message.ShouldContain("365 days");
    }

    [Fact]
    public async Task LastUsed_IsWrittenByTheFlush_AtMostOnceAMinute()
    {
        var login = Unique("gina");
        var gina = await AsAdmin.Operators.CreateAsync(login, "Gina", [Roles.Viewer]);
        var token = await Platform.WithActor(login).Tokens.CreatePersonalAsync(gina.Id, "laptop");

        Platform.Tokens.NoteUsed(token.Token.Id);
        (await Platform.Tokens.GetAsync(token.Token.Id)).LastUsedAt.ShouldBeNull();
        var first = await Platform.Tokens.FlushUsageAsync();
        var usedAt = (await Platform.Tokens.GetAsync(token.Token.Id)).LastUsedAt;
        Platform.WithActor("other").Tokens.NoteUsed(token.Token.Id);
        var second = await Platform.Tokens.FlushUsageAsync();

        first.ShouldBeGreaterThanOrEqualTo(1);
        usedAt.ShouldNotBeNull();
        second.ShouldBe(0);
    }

    [Fact]
    public async Task EmergencyAccess_NeedsADifferentAdmin_GrantsEverythingForAnHour_AndIsLoud()
    {
        var asker = Unique("hana");
        var hana = await AsAdmin.Operators.CreateAsync(asker, "Hana", [Roles.IncidentCommander], password: Password);
        var other = Unique("ivan");
        await AsAdmin.Operators.CreateAsync(other, "Ivan", [Roles.Operator]);
        var admin = Unique("judy");
        await AsAdmin.Operators.CreateAsync(admin, "Judy", [Roles.Admin]);

        var grant = await Platform.WithActor(asker).EmergencyAccess.RequestAsync("database on fire, approvers asleep");
        (await Should.ThrowAsync<PlatformException>(() => Platform.WithActor(asker.ToUpperInvariant()).EmergencyAccess.ConfirmAsync(grant.Id)))
            .Message.ShouldContain("cannot confirm it");
        (await Should.ThrowAsync<AccessDeniedException>(() => Platform.WithActor(other).EmergencyAccess.ConfirmAsync(grant.Id)))
            .Message.ShouldContain("only an admin");
        (await Platform.Operators.VerifyPasswordAsync(asker, Password))!.Has(Permissions.OperatorsManage).ShouldBeFalse();

        await Platform.WithActor(admin).EmergencyAccess.ConfirmAsync(grant.Id);

        var during = (await Platform.Operators.VerifyPasswordAsync(asker, Password))!;
        during.Emergency.ShouldBe(grant.Id);
        during.Has(Permissions.OperatorsManage).ShouldBeTrue();
        during.HasOnlyByEmergency(Permissions.OperatorsManage).ShouldBeTrue();
        var events = await Platform.Events.PeekAsync("access-tests", 1000);
        events.ShouldContain(e => e.Type == "access.emergency-granted" && e.Subject == grant.Id.Value && e.Actor == admin);

        fixture.Clock.Advance(EmergencyAccess.Duration + TimeSpan.FromMinutes(1));
        (await Platform.Operators.PrincipalOfAsync(hana.Id, AuthenticationMethod.Password)).Has(Permissions.OperatorsManage).ShouldBeFalse();
    }

    [Fact]
    public async Task Bootstrap_CreatesOneAdminOnce_WithACredentialGoodOnlyForReplacingItself()
    {
        await using var fresh = new PlatformFixture();
        await fresh.InitializeAsync();
        var file = Path.Combine(fresh.BlobDirectory, "home", BootstrapAdmin.FileName);

        var credential = (await fresh.Platform.Bootstrap.EnsureAsync(file))!;
        (await fresh.Platform.Bootstrap.EnsureAsync(file)).ShouldBeNull();

        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllTextAsync(file)).ShouldContain(credential.Secret);
        var principal = (await fresh.Platform.Tokens.AuthenticateAsync(credential.Secret)).Principal!;
        principal.MustReplaceCredential.ShouldBeTrue();
        principal.Permissions.ShouldBe([Permissions.AccountSelf]);
        principal.Denial(Permissions.SitesRead).ShouldContain("one-time bootstrap credential");
        (await fresh.Platform.Operators.VerifyPasswordAsync("admin", credential.Secret))!.MustReplaceCredential.ShouldBeTrue();

        var admin = principal.Operator!.Value;
        var token = await fresh.Platform.As(principal).Tokens.CreatePersonalAsync(admin, "laptop");

        (await fresh.Platform.Tokens.AuthenticateAsync(credential.Secret)).Refusal!.ShouldContain("used already");
        (await fresh.Platform.Operators.VerifyPasswordAsync("admin", credential.Secret)).ShouldBeNull();
        var full = (await fresh.Platform.Tokens.AuthenticateAsync(token.Secret)).Principal!;
        full.Has(Permissions.OperatorsManage).ShouldBeTrue();
        (await fresh.Platform.Bootstrap.EnsureAsync(file)).ShouldBeNull();
    }
}
