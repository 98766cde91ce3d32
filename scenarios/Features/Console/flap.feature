@console
Feature: The flap answers to the console too
  `flap N` moves the ventilation flap (0..100 %) and says where it is; `flap` alone says where it is.

  Background:
    Given a node

  Scenario Outline: flap <position> moves it there
    When "flap <position>" is typed on the console
    Then the console answers exactly "flap=<position>"
    And the node's flap_moves counter is 1

    Examples:
      | position |
      | 0        |
      | 100      |

  Scenario Outline: flap <argument> is refused and the flap stays
    When "flap 30" is typed on the console
    And "flap <argument>" is typed on the console
    Then the console answers with an error containing "invalid flap position '<first>' (0..100)"
    When "flap" is typed on the console
    Then the console answers exactly "flap=30"

    Examples:
      | argument | first |
      | 101      | 101   |
      | -1       | -1    |
      | 5 6      | 5     |
      | x        | x     |
