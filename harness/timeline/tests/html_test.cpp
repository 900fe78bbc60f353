// html_test.cpp: the HTML timeline page, checked as text (the browser test checks it
// as a page).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "raftlab/text/html_escape.h"
#include "raftlab/timeline/html.h"
#include "sample_run.h"

namespace raftlab::timeline {
namespace {

/// The JSON the page carries, parsed back.
boost::json::object embedded_data(const std::string& page) {
    const std::string open = "<script type=\"application/json\" id=\"timeline-data\">";
    const auto begin = page.find(open);
    EXPECT_NE(begin, std::string::npos);
    const auto from = begin + open.size();
    const auto end = page.find("</script>", from);
    std::string json = page.substr(from, end - from);
    for (auto at = json.find("<\\/"); at != std::string::npos; at = json.find("<\\/", at))
        json.replace(at, 3, "</");
    return boost::json::parse(json).as_object();
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(HtmlTimeline, renderCarriesEveryEventOfAFailingRun) {
    auto sim = timeline_test::first_failing_run();
    const std::string page = render_html(sim->timeline(), {"t", sim->failure()});
    const auto data = embedded_data(page);
    EXPECT_EQ(data.at("servers").as_int64(), 5);
    EXPECT_EQ(data.at("failure").as_string(), sim->failure());
    const auto& events = data.at("events").as_array();
    ASSERT_EQ(events.size(), sim->timeline().events().size());
    bool violation = false, drop = false, network = false;
    for (const auto& e : events) {
        const auto kind = e.as_array().at(4).as_string();
        violation |= kind == "VIOLATION";
        drop |= kind == "drop";
        network |= kind == "network";
    }
    EXPECT_TRUE(violation && drop && network) << "the sample run should show every kind of mark";
}

TEST(HtmlTimeline, renderCarriesEveryStateChange) {
    auto sim = timeline_test::first_failing_run();
    const auto data = embedded_data(render_html(sim->timeline(), {"t", sim->failure()}));
    const auto& states = data.at("states").as_array();
    const auto& changes = sim->timeline().state_changes();
    ASSERT_EQ(states.size(), changes.size());
    ASSERT_GT(changes.size(), 10u);
    for (std::size_t i = 0; i < changes.size(); ++i) {
        const auto& a = states[i].as_array();
        const sim::StateChange& c = changes[i];
        EXPECT_EQ(a.at(0).to_number<std::uint64_t>(), c.event);
        EXPECT_EQ(a.at(1).to_number<int>(), c.node);
        EXPECT_EQ(a.at(2).to_number<int>(), c.state.up ? 1 : 0);
        if (!c.state.up) {
            EXPECT_EQ(a.size(), 3u);
            continue;
        }
        EXPECT_EQ(a.at(3).as_string(), std::string(1, role_name(c.state.role)[0]));
        EXPECT_EQ(a.at(4).to_number<std::uint64_t>(), c.state.term);
        EXPECT_EQ(a.at(7).to_number<std::uint64_t>(), c.state.commit_index);
        EXPECT_EQ(a.at(9).to_number<std::uint64_t>(), c.log_kept);
        EXPECT_EQ(a.at(10).as_array().size(), 2 * c.state.log.size());
        EXPECT_EQ(a.size(), c.state.role == Role::leader ? 13u : 11u);
    }
}

TEST(HtmlTimeline, pageIsSelfContained) {
    auto sim = timeline_test::first_failing_run();
    const std::string page = render_html(sim->timeline(), {"t", sim->failure()});
    for (const char* external : {"http://", "https://", "<link", " src=", "@import", "url(http"})
        EXPECT_EQ(page.find(external), std::string::npos) << "the page refers to " << external;
    EXPECT_EQ(count(page, "<script"), 2u);  // the data and the drawing code, both inline
}

TEST(HtmlTimeline, textFromTheRunCannotBreakThePage) {
    sim::Timeline timeline;
    timeline.enable(true);
    timeline.add({1000, 0, Role::leader, 2, sim::EventKind::note, kNoNode, 0,
                  "</script><script>alert(1)</script> & \"quotes\""});
    const std::string page = render_html(timeline, {"<b>title</b>", "</style> broke"});
    EXPECT_EQ(count(page, "</script>"), 2u);  // only the page's own two elements end
    EXPECT_EQ(count(page, "</style>"), 1u);
    EXPECT_NE(page.find("<title>&lt;b&gt;title&lt;/b&gt;</title>"), std::string::npos);
    const auto data = embedded_data(page);
    EXPECT_EQ(data.at("events").as_array().at(0).as_array().at(7).as_string(),
              "</script><script>alert(1)</script> & \"quotes\"");
}

// The escape every page and report shares (raftlab/text/html_escape.h).
TEST(HtmlEscape, markupBecomesEntitiesAndForbiddenControlsQuestionMarks) {
    EXPECT_EQ(text::html_escape("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    EXPECT_EQ(text::html_escape(std::string("tab\tline\ncr\r\x01\x1b[31m\0", 19)), "tab\tline\ncr\r??[31m?");
    EXPECT_EQ(text::html_escape("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 is kept
}

TEST(HtmlTimeline, sameRunSamePage) {
    const std::string a = render_html(timeline_test::first_failing_run()->timeline(), {"x", "y"});
    const std::string b = render_html(timeline_test::first_failing_run()->timeline(), {"x", "y"});
    EXPECT_EQ(a, b);
}

TEST(HtmlTimeline, writeHtmlCreatesTheFileOrNamesThePath) {
    const auto dir = std::filesystem::temp_directory_path() / "raftlab-timeline-test";
    std::filesystem::remove_all(dir);
    sim::Timeline empty;
    write_html(empty, {"empty", ""}, dir / "sub" / "page.html");
    std::ifstream in(dir / "sub" / "page.html");
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("<!DOCTYPE html>"), std::string::npos);
    std::filesystem::create_directories(dir / "taken");
    try {
        write_html(empty, {}, dir / "taken");  // a directory cannot be written as a file
        ADD_FAILURE() << "writing over a directory should throw";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((dir / "taken").string()), std::string::npos) << e.what();
    }
    std::filesystem::remove_all(dir);
}

TEST(HtmlTimeline, titleFromEnvironmentNamesLabCheckAndSeed) {
    ::setenv("RAFTLAB_LAB", "08", 1);
    ::setenv("RAFTLAB_CHECK", "figure8", 1);
    ::setenv("RAFTLAB_SEED", "17", 1);
    EXPECT_EQ(title_from_environment(), "raftlab \xC2\xB7 lab 8 \xC2\xB7 figure8 \xC2\xB7 seed 17");
    ::unsetenv("RAFTLAB_LAB");
    ::unsetenv("RAFTLAB_CHECK");
    ::unsetenv("RAFTLAB_SEED");
    EXPECT_EQ(title_from_environment(), "raftlab timeline");
}

}  // namespace
}  // namespace raftlab::timeline
