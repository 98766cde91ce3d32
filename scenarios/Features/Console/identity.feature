@console
Feature: The node's console tells who it is
  A firmware developer or a technician at the bench asks the node what it runs.

  Background:
    Given a node

  @smoke
  Scenario: the node reports its firmware and protocol version
    When "version" is typed on the console
    Then the console answers "fw=3.0.0 protocol=3"

  @smoke
  Scenario: the status shows an online node on its first boot
    When "status" is typed on the console
    Then the console answers these values:
      | key      | value |
      | boot     | 1     |
      | link     | mqtt  |
      | buffered | 0     |
      | dropped  | 0     |

  Scenario: help lists the commands a technician needs
    When "help" is typed on the console
    Then the console answers "status"
    And the console answers "config"
    And the console answers "reboot"
