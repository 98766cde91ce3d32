@console
Feature: The console refuses what it does not understand, and keeps answering
  Background:
    Given a node

  @smoke
  Scenario: an unknown command is refused with a hint
    When "fly" is typed on the console
    Then the console answers with an error containing "unknown command 'fly'"
    When "version" is typed on the console
    Then the console answers "protocol=3"

  Scenario Outline: a configuration value out of range is refused (<key> = <value>)
    When "config set <key> <value>" is typed on the console
    Then the console answers with an error containing "<reason>"

    Examples:
      | key             | value | reason                      |
      | interval_s      | 0     | invalid value for interval_s |
      | interval_s      | abc   | invalid value for interval_s |
      | event_threshold | 2     | invalid value for event_threshold |

  Scenario: a line longer than the console accepts is refused
    When a line of 300 characters is typed on the console
    Then the console answers with an error containing "line too long"
