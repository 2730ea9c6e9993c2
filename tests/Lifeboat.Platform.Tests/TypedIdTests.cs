using System.Text.Json;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Tests;

public sealed class TypedIdTests
{
    [Fact]
    public void Parse_ASiteIdWhereAnAppInstallationIdIsExpected_FailsNamingBothKinds()
    {
        var e = Should.Throw<WrongIdException>(() => AppInstallationId.Parse("site_01jd8x2k9q4m7t6v5w3y1z0a8b"));

        e.Message.ShouldBe("'site_01jd8x2k9q4m7t6v5w3y1z0a8b' is a site ID (site_…), but an app installation ID (ain_…) is expected here.");
        e.Expected.ShouldBe(IdKind.AppInstallation);
        e.Given.ShouldBe(IdKind.Site);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ain_")]
    [InlineData("ain_UPPER")]
    [InlineData("01jd8x2k9q4m7t6v5w3y1z0a8b")]
    [InlineData("ain_has-dash")]
    public void Parse_Malformed_FailsShowingWhatTheKindLooksLike(string value)
    {
        var e = Should.Throw<WrongIdException>(() => AppInstallationId.Parse(value));

        e.Message.ShouldContain("is not an app installation ID (ain_…): app installation IDs look like ain_");
    }

    [Fact]
    public void New_IsOfItsKind_SortsByCreation_AndRoundTripsThroughJson()
    {
        var clock = new TestClock();
        var first = TypedId.New<SiteId>(clock);
        clock.Advance(TimeSpan.FromMilliseconds(5));
        var second = TypedId.New<SiteId>(clock);

        first.Value.ShouldStartWith("site_");
        string.CompareOrdinal(first.Value, second.Value).ShouldBeLessThan(0);
        JsonSerializer.Deserialize<SiteId>(JsonSerializer.Serialize(first, PlatformJson.Options), PlatformJson.Options).ShouldBe(first);
        Should.Throw<WrongIdException>(() => JsonSerializer.Deserialize<UserId>("\"grp_01jd8x2k9q4m7t6v5w3y1z0a8b\"", PlatformJson.Options))
            .Message.ShouldContain("is a group ID (grp_…), but a user ID (usr_…) is expected");
    }

    [Fact]
    public void Parse_AKindDefinedOutsideThePlatform_IsAcceptedAndRoundTripsThroughJson()
    {
        var id = TypedId.New<TicketId>(new TestClock());

        TypedId.Parse<TicketId>(id.Value).ShouldBe(id);
        JsonSerializer.Deserialize<TicketId>(JsonSerializer.Serialize(id, PlatformJson.Options), PlatformJson.Options).ShouldBe(id);
        Should.Throw<WrongIdException>(() => TypedId.Parse<TicketId>("site_01jd8x2k9q4m7t6v5w3y1z0a8b"))
            .Message.ShouldBe("'site_01jd8x2k9q4m7t6v5w3y1z0a8b' is a site ID (site_…), but a ticket ID (tkt_…) is expected here.");
    }

    private readonly record struct TicketId : ITypedId<TicketId>
    {
        private TicketId(string value) => Value = value;

        public static IdKind Kind { get; } = new("tkt", "ticket");

        public string Value { get; }

        public static TicketId FromValidated(string value) => new(value);
    }
}
