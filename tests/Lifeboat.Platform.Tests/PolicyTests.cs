using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Tests;

/// <summary>
/// The environment's policy: held in the database, versioned, changed by two people; and plans held
/// to the policy in force when they run, not the one they were submitted under. Each test has an
/// environment of its own, since the policy is the environment's.
/// </summary>
public sealed class PolicyTests : IAsyncLifetime
{
    private const string Loose = """
        # Lets one person delete many sites at once.
        second-approver-above:
          sites: 100
        bulk-limits:
          delete-site: 100
        """;

    /// <summary>The defaults, but the breaker, which would stop a 6-site deletion whoever approved it: these tests are about approvals.</summary>
    private const string DefaultsWithoutBreaker = "# the defaults\nbreaker:\n  enabled: false\n";

    private readonly PlatformFixture _fixture = PlatformFixture.UnderTheDefaults();

    private LifeboatPlatform Platform => _fixture.Platform;

    public async ValueTask InitializeAsync() => await _fixture.InitializeAsync();

    public async ValueTask DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task AFreshEnvironment_HoldsPlansToTheBuiltInDefaults_AsVersion0()
    {
        var current = await Platform.Policy.ReadAsync();

        current.Version.ShouldBe(0);
        current.Policy.ToYaml().ShouldBe(PlanPolicy.Default.ToYaml());
        current.ApprovedBy.ShouldBeNull();
        (await Platform.Policy.HistoryAsync()).Select(v => (v.Version, v.State)).ShouldBe([(0, PolicyVersionState.InForce)]);
        PlanPolicy.Parse(current.Yaml, "version 0").ToYaml().ShouldBe(PlanPolicy.Default.ToYaml(), "what policy show prints reads back as the same rules");
    }

    [Fact]
    public async Task AnInvalidProposal_IsRefusedNamingTheLine_AndChangesNothing()
    {
        var unknownKey = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("alice").Policy.ProposeAsync("waves:\n  canary-percent: 5\nbulk-limitz: 3\n", "loose.yaml"));
        var unknownAction = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("alice").Policy.ProposeAsync("bulk-limits:\n  delete-everything: 3\n", "loose.yaml"));

        unknownKey.Kind.ShouldBe(PlatformErrorKind.Invalid);
        unknownKey.Message.ShouldStartWith("policy loose.yaml, line 3:");
        unknownAction.Message.ShouldContain("unknown action 'delete-everything'");
        (await Platform.Policy.HistoryAsync()).Count.ShouldBe(1);
        (await Platform.Audit.OfAsync(PolicyStore.AuditSubject)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("Alice")]
    [InlineData(" ALICE ")]
    public async Task TheProposer_CannotApproveTheirOwnPolicy_HoweverTheyAreSpelled(string approver)
    {
        var proposed = await Platform.WithActor("alice").Policy.ProposeAsync(Loose, "loose.yaml", "let the fleet cleanup go faster");

        var refused = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor(approver).Policy.ApproveAsync(proposed.Version, proposed.ContentHash));

        refused.Kind.ShouldBe(PlatformErrorKind.Conflict);
        refused.Message.ShouldContain($"proposed policy version {proposed.Version} and cannot also approve it; a second person must.");
        (await Platform.Policy.ReadAsync()).Version.ShouldBe(0);
        (await Platform.Audit.OfAsync(PolicyStore.AuditSubject)).Select(a => (a.Step, a.Actor)).ShouldBe([("policy-proposed", "alice"), ("policy-approval-refused", approver)]);
    }

    [Fact]
    public async Task APolicy_IsInForce_OnceAnotherPersonApprovesTheHashTheyReviewed_AndOldVersionsStay()
    {
        var proposed = await Platform.WithActor("alice").Policy.ProposeAsync(Loose, "loose.yaml", "let the fleet cleanup go faster");
        proposed.State.ShouldBe(PolicyVersionState.Proposed);
        proposed.ContentHash.ShouldBe(PlanPolicy.ContentHashOf(Loose));
        (await Platform.Policy.ReadAsync()).Version.ShouldBe(0, "a proposal changes nothing by itself");

        (await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("bob").Policy.ApproveAsync(proposed.Version, new string('0', 64))))
            .Message.ShouldContain("the policy is not what was reviewed");
        var approved = await Platform.WithActor("bob").Policy.ApproveAsync(proposed.Version, proposed.ContentHash);

        approved.State.ShouldBe(PolicyVersionState.InForce);
        var current = await Platform.Policy.ReadAsync();
        (current.Version, current.ProposedBy, current.ApprovedBy, current.Yaml).ShouldBe((1, "alice", "bob", Loose));
        current.Policy.BulkLimits["delete-site"].ShouldBe(100);
        (await Platform.Policy.CurrentAsync()).Version.ShouldBe(1, "an approval in this process is seen at once, cache or not");
        (await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("carol").Policy.ApproveAsync(proposed.Version, proposed.ContentHash)))
            .Message.ShouldContain("was approved already, by bob");

        var back = await Platform.WithActor("bob").Policy.ProposeAsync("# the defaults again\n", "defaults.yaml");
        await Platform.WithActor("alice").Policy.ApproveAsync(back.Version, back.ContentHash);

        (await Platform.Policy.HistoryAsync()).Select(v => (v.Version, v.State)).ShouldBe(
            [(2, PolicyVersionState.InForce), (1, PolicyVersionState.Superseded), (0, PolicyVersionState.Superseded)]);
        (await Platform.Policy.GetAsync(1)).Yaml.ShouldBe(Loose);
        (await Platform.Audit.OfAsync(PolicyStore.AuditSubject)).Select(a => (a.Step, a.Actor)).ShouldBe(
            [("policy-proposed", "alice"), ("policy-approved", "bob"), ("policy-proposed", "bob"), ("policy-approved", "alice")]);
    }

    [Fact]
    public async Task AProposalMadeBeforeAnotherVersionCameIntoForce_CannotBeApproved()
    {
        var first = await Platform.WithActor("alice").Policy.ProposeAsync(Loose, "loose.yaml");
        var second = await Platform.WithActor("carol").Policy.ProposeAsync("waves:\n  canary-percent: 10\n", "canary.yaml");
        await Platform.WithActor("bob").Policy.ApproveAsync(second.Version, second.ContentHash);

        var stale = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("bob").Policy.ApproveAsync(first.Version, first.ContentHash));

        stale.Message.ShouldBe(
            "policy version 1 was proposed when version 0 was in force, and version 2 is in force now: approving it would undo version 2's changes unseen. " +
            "Its author should propose it again on top of version 2 (lifeboat policy show).");
        (await Platform.Policy.GetAsync(first.Version)).State.ShouldBe(PolicyVersionState.Stale);
        (await Platform.Policy.ReadAsync()).Version.ShouldBe(2);
    }

    [Fact]
    public async Task PolicyVersionsAndApprovals_CannotBeChangedOrRemoved_NorSelfApprovedInTheDatabase()
    {
        var proposed = await Platform.WithActor("alice").Policy.ProposeAsync(Loose, "loose.yaml");
        await Platform.WithActor("bob").Policy.ApproveAsync(proposed.Version, proposed.ContentHash);

        foreach (var sql in new[] { "UPDATE platform.policy_versions SET yaml = ''", "DELETE FROM platform.policy_versions", "DELETE FROM platform.policy_approvals" })
        {
            await using var cmd = DatabaseSql.AsApplication(Platform.Options.Store).CreateCommand(sql);
            (await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync())).MessageText.ShouldContain("append-only");
        }

        var next = await Platform.WithActor("alice").Policy.ProposeAsync("# the defaults again\n", "defaults.yaml");
        await using var self = DatabaseSql.AsApplication(Platform.Options.Store).CreateCommand(
            "INSERT INTO platform.policy_approvals (version, proposed_by, content_hash, approved_by, approved_at) VALUES ($1, 'alice', $2, 'ALICE', now())");
        self.Parameters.Add(new() { Value = next.Version });
        self.Parameters.Add(new() { Value = next.ContentHash });
        (await Should.ThrowAsync<PostgresException>(() => self.ExecuteNonQueryAsync())).ConstraintName.ShouldBe("policy_approvals_second_person");
    }

    [Fact]
    public async Task APlanSubmittedUnderALoosePolicy_IsRefusedWhenItRunsUnderTheDefaults_AndDeletesNothing()
    {
        var sites = await SitesAsync(15);
        await PutInForceAsync(Loose);
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(DeleteSites(sites));
        plan.Decision.NeedsSecondApprover.ShouldBeFalse("the loose policy needs no second approver for 15 sites");
        plan.Decision.PolicyVersion.ShouldBe(1);
        await PutInForceAsync("# the built-in defaults, which allow no more than 10 site deletions per plan\n");

        var refused = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("alice").Plans.Runner.RunAsync(plan.Id));

        refused.Kind.ShouldBe(PlatformErrorKind.Conflict);
        refused.Message.ShouldStartWith($"policy version 2 (approved by policy-approver), the policy in force now, refuses plan {plan.Id}: delete-site on more than 10 targets (15) needs an explicit policy exception for this plan");
        refused.Message.ShouldContain("Have the policy changed (lifeboat policy propose, approved by another person), or abort the plan");
        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.CheckCanRunAsync(plan.Id))).Message.ShouldContain("policy version 2");
        foreach (var site in sites)
        {
            (await Platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active);
        }

        (await Platform.Plans.GetAsync(plan.Id)).State.ShouldBe(PlanState.Verified);
        (await Platform.Audit.OfAsync(plan.Id.Value)).ShouldContain(a => a.Step == "refused-by-policy");
    }

    [Fact]
    public async Task APlanThatThePolicyInForceNowSaysNeedsASecondApprover_DoesNotRunUntilApproved()
    {
        var sites = await SitesAsync(6);
        await PutInForceAsync(Loose);
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(DeleteSites(sites));
        await PutInForceAsync(DefaultsWithoutBreaker);

        var refused = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("alice").Plans.Runner.RunAsync(plan.Id));

        refused.Message.ShouldBe(
            $"policy version 2 (approved by policy-approver), the policy in force now, says plan {plan.Id} needs a second approver (it touches 6 sites (more than 5)), and it has none: " +
            $"someone other than alice must run lifeboat plan approve {plan.Id} --hash {plan.ContentHash} Nothing ran.");
        (await Platform.Sites.GetAsync(sites[0])).State.ShouldBe(TenantState.Active);
        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        (await Platform.WithActor("alice").Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
    }

    [Fact]
    public async Task APolicyChangedWhileAPlanRuns_HaltsItBeforeItsNextWave_NamingTheVersion()
    {
        var sites = await SitesAsync(8);
        await PutInForceAsync(Loose);
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(DeleteSites(sites));
        plan.Waves.Count.ShouldBeGreaterThan(2);
        var tightened = false;

        var halted = await Platform.WithActor("alice").Plans.Runner.RunAsync(plan.Id, new Inline(_ =>
        {
            if (!tightened)
            {
                tightened = true;
                PutInForceAsync(DefaultsWithoutBreaker).GetAwaiter().GetResult();
            }
        }));

        halted.State.ShouldBe(PlanState.Halted);
        halted.HaltCode.ShouldBe("policy:v2");
        halted.StateReason!.ShouldStartWith($"before wave 2: policy version 2 (approved by policy-approver), the policy in force now, says plan {plan.Id} needs a second approver");
        var targets = await Platform.Plans.TargetsAsync(plan.Id);
        targets.Count(t => t.State == TargetState.Applied).ShouldBe(plan.Waves[0].Size, "only the wave that started under the loose policy ran");

        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        await Platform.WithActor("alice").Plans.ResumeAsync(plan.Id, halted.HaltCode);
        (await Platform.WithActor("alice").Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
    }

    [Theory]
    [InlineData("Alice", "cto")]
    [InlineData("cto", "ALICE ")]
    public async Task AnExceptionApprovedByThePlansOwnRequester_DoesNotLetThePlanThrough(string exceptionApprovedBy, string policyApprovedBy)
    {
        var sites = await SitesAsync(12);
        var request = DeleteSites(sites);
        var refused = await Should.ThrowAsync<PlanRefusedException>(() => Platform.WithActor("alice").Plans.SubmitAsync(request));
        var hash = refused.Message.Split("plan-hash: ")[1].Split(',')[0];
        var withException = $"""
            exceptions:
              - action: delete-site
                plan-hash: {hash}
                approved-by: {exceptionApprovedBy}
                reason: the test fleet is retired
            """;
        var proposed = await Platform.WithActor("bob").Policy.ProposeAsync(withException, "exception.yaml");
        await Platform.WithActor(policyApprovedBy).Policy.ApproveAsync(proposed.Version, proposed.ContentHash);

        var stillRefused = await Should.ThrowAsync<PlanRefusedException>(() => Platform.WithActor("alice").Plans.SubmitAsync(request));

        stillRefused.Message.ShouldContain("an exception is never approved by its own requester");
        (await Platform.Plans.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task AnExceptionApprovedBySomeoneElse_LetsThatPlanThrough()
    {
        var sites = await SitesAsync(12);
        var request = DeleteSites(sites);
        var hash = (await Should.ThrowAsync<PlanRefusedException>(() => Platform.WithActor("alice").Plans.SubmitAsync(request))).Message.Split("plan-hash: ")[1].Split(',')[0];
        await PutInForceAsync($"""
            exceptions:
              - action: delete-site
                plan-hash: {hash}
                approved-by: cto
                reason: the test fleet is retired
            """);

        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(request);

        plan.Decision.Exception.ShouldBe("cto: the test fleet is retired");
        plan.Decision.NeedsSecondApprover.ShouldBeTrue();
    }

    private async Task PutInForceAsync(string yaml)
    {
        var proposed = await Platform.WithActor("policy-author").Policy.ProposeAsync(yaml, "test.yaml");
        await Platform.WithActor("policy-approver").Policy.ApproveAsync(proposed.Version, proposed.ContentHash);
    }

    private async Task<List<SiteId>> SitesAsync(int count)
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            sites.Add((await _fixture.NewSiteAsync()).Id);
        }

        return sites;
    }

    private static PlanRequest DeleteSites(IEnumerable<SiteId> sites) =>
        new("delete-site", "site", sites.Select(s => s.Value).ToList(), "close the test fleet", new Dictionary<string, string>());

    private sealed class Inline(Action<PlanProgress> report) : IProgress<PlanProgress>
    {
        public void Report(PlanProgress value) => report(value);
    }
}
